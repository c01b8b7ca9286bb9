/**
 * One connected /ws client: its subscriptions, its liveness, and a bounded outgoing queue.
 *
 * The queue is the socket's own write buffer, bounded twice: by `ws.bufferedAmount` bytes and by
 * the frames handed to the socket whose write has not completed (counted through ws's send
 * callbacks). A client that does not read fills its TCP window, then the kernel buffers, then
 * this queue; at the bound it is dropped rather than allowed to grow the daemon.
 *
 * Send callbacks run on a later tick even when the kernel took the bytes at once, so a burst of
 * events in one tick leaves many callbacks pending for a client that reads perfectly well. The
 * frame bound therefore applies only while bytes are really waiting in user space.
 */
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
   * Queues one frame (already serialized: the hub serializes each event once for all clients).
   * A frame larger than the byte bound still goes to a client whose queue is empty, so one big
   * event cannot drop everyone.
   */
  send(frame: Buffer): void {
    if (!this.open) return;
    const buffered = this.ws.bufferedAmount;
    if (buffered > 0 && this.queued >= this.limits.maxQueuedMessages) {
      this.overflow(`${this.queued} messages queued (limit ${this.limits.maxQueuedMessages})`);
      return;
    }
    if (buffered > 0 && buffered + frame.length > this.limits.maxQueuedBytes) {
      this.overflow(`${buffered} bytes queued (limit ${this.limits.maxQueuedBytes})`);
      return;
    }
    this.queued++;
    this.ws.send(frame, { binary: false }, () => {
      this.queued--;
    });
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
