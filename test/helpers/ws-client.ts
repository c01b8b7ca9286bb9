// A WebSocket test client for /ws: keeps every JSON frame it receives so a test can wait for
// one matching a predicate, and reports a refused upgrade by its HTTP status. It only wraps the
// socket a test opens; closing it is the test's job (closeAll).
import { WebSocket, type ClientOptions } from "ws";

export type WireMessage = { type: string } & Record<string, unknown>;

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

export class WsTestClient {
  readonly messages: WireMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      this.messages.push(JSON.parse(data.toString()) as WireMessage);
      this.wake();
    });
    this.closedPromise = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closed);
      });
    });
    ws.on("error", () => undefined);
  }

  /** Opens a socket, offering `protocols` if given; rejects with UpgradeRefused when the server answers the upgrade with an HTTP error. */
  static open(url: string, options: ClientOptions = {}, protocols: string[] = []): Promise<WsTestClient> {
    const ws = new WebSocket(url, protocols, options);
    const client = new WsTestClient(ws);
    open.add(client);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_request, response) => {
        reject(new UpgradeRefused(response.statusCode ?? 0));
        ws.terminate();
      });
      ws.once("error", (error) => reject(error));
    });
  }

  /** The subprotocol the server picked ("" for none). */
  get protocol(): string {
    return this.ws.protocol;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The first message from `from` on matching the predicate; waits up to timeoutMs for it. */
  async next(predicate: (message: WireMessage) => boolean, timeoutMs = 5000, from = 0): Promise<WireMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) before the awaited message arrived`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs}ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Round trip through the server: every frame it sent before the pong has arrived by now. */
  async sync(timeoutMs = 5000): Promise<void> {
    const from = this.messages.length;
    this.send({ type: "ping" });
    await this.next((message) => message.type === "pong", timeoutMs, from);
  }

  whenClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closedPromise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs}ms`)), timeoutMs).unref()),
    ]);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const open = new Set<WsTestClient>();

/** Terminates every client opened since the last call. */
export function closeAll(): void {
  for (const client of open) client.ws.terminate();
  open.clear();
}
