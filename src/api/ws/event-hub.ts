/**
 * The WebSocket hub behind /ws: listens to the bus once and fans each event out to the clients
 * subscribed to it. Publishing only queues the event: the fan-out runs on the next turn of the
 * event loop, so the code that published (a health check finishing) never waits for a thousand
 * socket writes, and every event published in one turn goes out together, in order, none merged
 * away: each is serialized and framed once however many clients receive it, and each client gets
 * its share of the turn in one socket write. A client that cannot keep up is dropped at its queue
 * bound (hub-client.ts) and never slows the others; a client that stops answering pings is
 * terminated; a client whose token has been revoked (by the CLI, in another process) or has
 * expired is closed at the next auth check, a few seconds later. It counts open sockets per
 * connection key, for the route's connection limits. A source whose events cost work to make (the
 * activity figures) can ask to be told when its topic gains its first subscriber and loses its
 * last (`onDemand`), and publish only in between. The hub owns its clients and its timers; the
 * app closes it on shutdown.
 */
import type { Socket } from "node:net";
import type { RawData, WebSocket } from "ws";
import type { MessageBus, Unsubscribe } from "../../bus/bus.js";
import type { DomainEvent } from "../../bus/events.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { HubClient } from "./hub-client.js";
import { textFrame } from "./text-frame.js";
import {
  errorFrame,
  parseClientMessage,
  toWireEvent,
  welcomeMessage,
  type ProtocolError,
  type Topic,
} from "./wire-protocol.js";

export interface EventHubOptions {
  /** How often each client is pinged; one that has not answered the previous ping is terminated. */
  pingIntervalMs: number;
  /** Per client: frames handed to the socket and not yet written out. */
  maxQueuedMessages: number;
  /** Per client: bytes waiting in the socket. */
  maxQueuedBytes: number;
  /** After a close frame, how long a client has to finish the close before its socket is destroyed. */
  closeGraceMs: number;
  /** How often each client's token is checked again; a revoked one (or auth turned on) closes it. */
  authCheckIntervalMs: number;
}

export const DEFAULT_HUB_OPTIONS: EventHubOptions = {
  pingIntervalMs: 30_000,
  maxQueuedMessages: 1000,
  maxQueuedBytes: 1024 * 1024,
  closeGraceMs: 2000,
  authCheckIntervalMs: 5000,
};

/**
 * Whether a client connected with this token (null: none, auth was off) may stay connected: true,
 * or the reason it is closed with (`token revoked`, `token expired`, `authentication required`).
 */
export type Authorizer = (tokenId: string | null) => Promise<true | string>;

/** Close code for a client dropped for not reading (application range; 1008-style policy). */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;
export const SLOW_CONSUMER_CLOSE_REASON = "slow consumer: send buffer over its limit";
export const GOING_AWAY_CLOSE_CODE = 1001;
/** Close code for a client whose token was revoked or expired, or that has none now that auth is on. */
export const UNAUTHORIZED_CLOSE_CODE = 4001;

export interface EventHubDeps {
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  version: string;
  options?: Partial<EventHubOptions> | undefined;
}

export interface HubStats {
  clients: number;
  connected_total: number;
  dropped_slow: number;
  terminated_unresponsive: number;
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

function frameOf(message: unknown): Buffer {
  return textFrame(JSON.stringify(message));
}

export class EventHub {
  readonly options: EventHubOptions;
  private readonly clients = new Set<HubClient>();
  /** Events published since the last fan-out, in publishing order. */
  private pending: DomainEvent[] = [];
  private fanOut: NodeJS.Immediate | undefined;
  /** Sockets sent a close frame and given closeGraceMs before being destroyed. */
  private readonly closing = new Map<WebSocket, TimerHandle>();
  private readonly logger: Logger;
  private unsubscribe: Unsubscribe | undefined;
  private pingTimer: TimerHandle | undefined;
  private authTimer: TimerHandle | undefined;
  private authorize: Authorizer | undefined;
  private readonly tokenOf = new Map<HubClient, string | null>();
  /** Open sockets (closing ones included) per connection key (a token, or an address while auth is off). */
  private readonly openByKey = new Map<string, number>();
  private openTotal = 0;
  private nextId = 1;
  private stopped = false;
  private readonly demandListeners = new Map<Topic, (wanted: boolean) => void>();
  /** Topics whose listener was last told someone subscribes. */
  private readonly demanded = new Set<Topic>();
  private readonly counts = { connected_total: 0, dropped_slow: 0, terminated_unresponsive: 0 };

  constructor(private readonly deps: EventHubDeps) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...deps.options };
    this.logger = deps.logger.child({ module: "ws" });
  }

  /** Starts fanning events out; with `authorize`, also re-checks every client's token on a timer. */
  start(authorize?: Authorizer): void {
    if (this.unsubscribe || this.stopped) return;
    this.unsubscribe = this.deps.bus.subscribeAll((event) => this.publish(event));
    this.authorize = authorize;
    this.armPing();
    if (authorize) this.armAuthCheck();
  }

  /**
   * Takes over an upgraded socket (`transport`: the TCP socket under it, corked around each
   * batch): welcome, then whatever the client subscribes to. The socket counts against
   * `connectionKey`'s open connections until it has closed.
   */
  attach(ws: WebSocket, transport: Socket, principal: { token_id: string; name: string } | null, connectionKey: string): void {
    if (this.stopped) {
      ws.close(GOING_AWAY_CLOSE_CODE, "daemon shutting down");
      return;
    }
    // Events published before this client connected are not its to receive.
    this.flush();
    this.openTotal++;
    this.openByKey.set(connectionKey, this.openConnections(connectionKey) + 1);
    const client = new HubClient(this.nextId++, ws, transport, this.options, (dropped, detail) => this.dropSlow(dropped, detail));
    this.clients.add(client);
    this.tokenOf.set(client, principal?.token_id ?? null);
    this.counts.connected_total++;
    this.logger.debug({ client: client.id, principal: principal?.name ?? null }, "websocket client connected");
    ws.on("pong", () => {
      client.alive = true;
    });
    ws.on("message", (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on("close", (code) => {
      this.openTotal--;
      const left = this.openConnections(connectionKey) - 1;
      if (left > 0) this.openByKey.set(connectionKey, left);
      else this.openByKey.delete(connectionKey);
      this.clients.delete(client);
      this.tokenOf.delete(client);
      this.clearClosing(ws);
      this.updateDemand();
      this.logger.debug({ client: client.id, code }, "websocket client disconnected");
    });
    client.send([frameOf(welcomeMessage(this.deps.version, this.options.pingIntervalMs))]);
  }

  /** Sockets open (or still closing) for one connection key, or for all when none is given. */
  openConnections(connectionKey?: string): number {
    return connectionKey === undefined ? this.openTotal : (this.openByKey.get(connectionKey) ?? 0);
  }

  /**
   * Calls `listener(true)` when `topic` gains its first subscriber and `listener(false)` when it
   * loses its last (an unsubscribe, a closed socket, the hub closing).
   */
  onDemand(topic: Topic, listener: (wanted: boolean) => void): void {
    this.demandListeners.set(topic, listener);
    this.updateDemand();
  }

  stats(): HubStats {
    return { clients: this.clients.size, ...this.counts };
  }

  /** Stops listening, sends every client a going-away close, and destroys those that linger. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.fanOut !== undefined) clearImmediate(this.fanOut);
    this.pending = [];
    this.deps.clock.clearTimeout(this.pingTimer);
    this.deps.clock.clearTimeout(this.authTimer);
    const sockets = [...[...this.clients].map((client) => client.ws), ...this.closing.keys()];
    this.clients.clear();
    this.updateDemand();
    for (const timer of this.closing.values()) this.deps.clock.clearTimeout(timer);
    this.closing.clear();
    await Promise.all(sockets.map((ws) => this.closeSocket(ws)));
  }

  // --- events out --------------------------------------------------------------------------

  private publish(event: DomainEvent): void {
    this.pending.push(event);
    this.fanOut ??= setImmediate(() => this.flush());
  }

  /**
   * Sends what was published since the last fan-out. Runs on its own turn, and also before any
   * reply to a client, so that a reply (a pong, an ack) never overtakes an event published first.
   */
  private flush(): void {
    if (this.fanOut !== undefined) clearImmediate(this.fanOut);
    this.fanOut = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending.flatMap((event) => {
      const wire = toWireEvent(event);
      return wire ? [{ wire, frame: undefined as Buffer | undefined }] : [];
    });
    this.pending = [];
    for (const client of this.clients) {
      const frames: Buffer[] = [];
      for (const item of batch) {
        if (!client.subscriptions.wants(item.wire.topic, item.wire.server_id)) continue;
        item.frame ??= frameOf(item.wire.message);
        frames.push(item.frame);
      }
      if (frames.length > 0) client.send(frames);
    }
  }

  // --- messages in -------------------------------------------------------------------------

  private onMessage(client: HubClient, data: RawData, isBinary: boolean): void {
    // Events published before this message go out under the subscriptions they were published under.
    this.flush();
    if (isBinary) {
      this.replyError(client, { code: "INVALID_MESSAGE", message: "Send JSON in text frames." });
      return;
    }
    const parsed = parseClientMessage(textOf(data));
    if (!parsed.ok) {
      this.replyError(client, parsed.error);
      return;
    }
    const { command } = parsed;
    if (command.type === "ping") {
      client.send([frameOf({ type: "pong", at: this.deps.clock.now() })]);
      return;
    }
    if (command.type === "subscribe") {
      if (!client.subscriptions.add(command.topics, command.serverIds)) {
        this.replyError(client, { code: "INVALID_MESSAGE", message: "Too many server_ids for one event; subscribe to all servers instead." });
        return;
      }
    } else {
      client.subscriptions.remove(command.topics, command.serverIds);
    }
    const type = command.type === "subscribe" ? "subscribed" : "unsubscribed";
    client.send([frameOf({ type, ...client.subscriptions.view() })]);
    this.updateDemand();
  }

  private updateDemand(): void {
    for (const [topic, listener] of this.demandListeners) {
      const wanted = [...this.clients].some((client) => client.subscriptions.wants(topic, null));
      if (wanted === this.demanded.has(topic)) continue;
      if (wanted) this.demanded.add(topic);
      else this.demanded.delete(topic);
      listener(wanted);
    }
  }

  private replyError(client: HubClient, error: ProtocolError): void {
    client.send([frameOf(errorFrame(error))]);
  }

  // --- liveness and dropping ---------------------------------------------------------------

  private armPing(): void {
    this.pingTimer = this.deps.clock.setTimeout(() => {
      if (this.stopped) return;
      this.pingAll();
      this.armPing();
    }, this.options.pingIntervalMs);
  }

  private armAuthCheck(): void {
    this.authTimer = this.deps.clock.setTimeout(() => {
      if (this.stopped) return;
      void this.checkAuth().finally(() => {
        if (!this.stopped) this.armAuthCheck();
      });
    }, this.options.authCheckIntervalMs);
  }

  /** Closes the clients whose token no longer admits them; a store that cannot answer admits no one. */
  private async checkAuth(): Promise<void> {
    const authorize = this.authorize;
    if (!authorize) return;
    for (const client of [...this.clients]) {
      const tokenId = this.tokenOf.get(client) ?? null;
      let verdict: true | string;
      try {
        verdict = await authorize(tokenId);
      } catch (error) {
        this.logger.warn({ err: error, client: client.id }, "websocket auth check failed; closing the client");
        verdict = "auth check failed";
      }
      if (verdict === true || !this.clients.has(client)) continue;
      this.clients.delete(client);
      this.tokenOf.delete(client);
      client.markDropped();
      this.logger.info({ client: client.id, reason: verdict }, "websocket client's token is no longer valid; closed");
      void this.closeSocket(client.ws, UNAUTHORIZED_CLOSE_CODE, verdict);
    }
  }

  private pingAll(): void {
    for (const client of [...this.clients]) {
      if (!client.alive) {
        this.counts.terminated_unresponsive++;
        this.logger.info({ client: client.id }, "websocket client did not answer ping; terminated");
        this.clients.delete(client);
        client.markDropped();
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      try {
        client.ws.ping();
      } catch {
        // Only thrown while still connecting, which an attached socket never is.
      }
    }
  }

  private dropSlow(client: HubClient, detail: string): void {
    this.clients.delete(client);
    this.counts.dropped_slow++;
    this.logger.warn(
      { client: client.id, detail, code: SLOW_CONSUMER_CLOSE_CODE, reason: SLOW_CONSUMER_CLOSE_REASON },
      "websocket client too slow to read its events; dropped",
    );
    // The close frame waits behind what is queued, so a client that never reads would hold the
    // queue for ws's 30 s close timeout: destroy the socket after a short grace instead.
    client.ws.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_CLOSE_REASON);
    const timer = this.deps.clock.setTimeout(() => {
      this.closing.delete(client.ws);
      client.ws.terminate();
    }, this.options.closeGraceMs);
    this.closing.set(client.ws, timer);
  }

  private clearClosing(ws: WebSocket): void {
    const timer = this.closing.get(ws);
    if (timer === undefined) return;
    this.deps.clock.clearTimeout(timer);
    this.closing.delete(ws);
  }

  private closeSocket(ws: WebSocket, code = GOING_AWAY_CLOSE_CODE, reason = "daemon shutting down"): Promise<void> {
    if (ws.readyState === ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => {
        ws.terminate();
        resolve();
      }, this.options.closeGraceMs);
      ws.once("close", () => {
        this.deps.clock.clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === ws.OPEN) ws.close(code, reason);
    });
  }
}
