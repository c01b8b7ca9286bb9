/**
 * One connected /ws client: its subscriptions, its liveness, and a bounded outgoing queue. Frames
 * come complete (text-frame.ts) and in batches (all a client gets from one turn of the hub); a
 * batch goes straight to the TCP socket under `ws`, corked, so it leaves in one write however many
 * frames it holds. ws itself writes only control frames (ping, close) to that socket, and writes
 * them at once, so the order of everything sent is the order of the calls.
 *
 * The queue is the socket's own write buffer, bounded twice: by `ws.bufferedAmount` bytes and by
 * the frames handed to the socket whose write has not completed (counted through the write
 * callbacks). A client that does not read fills its TCP window, then the kernel buffers, then
 * this queue; at the bound it is dropped rather than allowed to grow the daemon.
 *
 * Write callbacks run on a later tick even when the kernel took the bytes at once, so a burst of
 * events in one tick leaves many callbacks pending for a client that reads perfectly well. The
 * frame bound therefore applies only while bytes are really waiting in user space.
 */
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import { Subscriptions } from "./subscriptions.js";

export interface QueueLimits {
  /** Frames handed to the socket and not yet written out. */
  maxQueuedMessages: number;
  /** Bytes waiting in the socket (`ws.bufferedAmount`). */
  maxQueuedBytes: number;
}

export class HubClient {
  readonly subscriptions = new Subscriptions();
  /** Cleared at each ping, set by the pong; a client still false at the next ping is gone. */
  alive = true;
  private queued = 0;
  private dropped = false;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    /** The TCP socket under `ws`. */
    private readonly transport: Socket,
    private readonly limits: QueueLimits,
    /** Called once, when a frame would overflow the queue; the hub drops the client. */
    private readonly onOverflow: (client: HubClient, detail: string) => void,
  ) {}

  get open(): boolean {
    return !this.dropped && this.ws.readyState === WebSocket.OPEN;
  }

  /** Frames not yet written out; for tests and stats. */
  get queuedMessages(): number {
    return this.queued;
  }

  /**
   * Queues a batch of complete frames (the hub serializes and frames each event once for all
   * clients), or drops the client when the batch would pass a bound. A batch larger than the byte
   * bound still goes to a client whose queue is empty, so one big burst cannot drop everyone.
   */
  send(frames: readonly Buffer[]): void {
    if (!this.open) return;
    const buffered = this.ws.bufferedAmount;
    if (buffered > 0 && this.queued >= this.limits.maxQueuedMessages) {
      this.overflow(`${this.queued} messages queued (limit ${this.limits.maxQueuedMessages})`);
      return;
    }
    const bytes = frames.reduce((sum, frame) => sum + frame.length, 0);
    if (buffered > 0 && buffered + bytes > this.limits.maxQueuedBytes) {
      this.overflow(`${buffered} bytes queued (limit ${this.limits.maxQueuedBytes})`);
      return;
    }
    this.queued += frames.length;
    const written = (): void => {
      this.queued--;
    };
    this.transport.cork();
    for (const frame of frames) this.transport.write(frame, written);
    this.transport.uncork();
  }

  /** Sends nothing more; the hub closes the socket. */
  markDropped(): void {
    this.dropped = true;
  }

  private overflow(detail: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.onOverflow(this, detail);
  }
}
