/**
 * The /ws connection: subscribes to the topics asked for, hands each event on, and reconnects
 * with backoff (1 s doubling to 30 s, with jitter) when the connection drops. The token travels
 * as a `pygent.bearer.<token>` subprotocol, never in the URL.
 */
import type { Topic } from "../api/types.js";

export type Connection = "connecting" | "open" | "closed";

export interface WireMessage {
  type: string;
  [field: string]: unknown;
}

export interface EventSocketOptions {
  topics: Topic[];
  /** Only these servers' events; every server's when absent. */
  serverIds?: string[];
  token: () => string | null;
  onMessage: (message: WireMessage) => void;
  /** Called on every change; `retryInMs` is the wait before the next attempt while closed. */
  onConnection: (connection: Connection, retryInMs: number | null) => void;
  /** The server closed the connection for its token (close code 4001: revoked or expired). */
  onUnauthorized: () => void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const UNAUTHORIZED_CLOSE_CODE = 4001;

export function connectEvents(options: EventSocketOptions): { close(): void } {
  let socket: WebSocket | null = null;
  let retryMs = FIRST_RETRY_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const open = (): void => {
    options.onConnection("connecting", null);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const token = options.token();
    const protocols = token ? ["pygent.v1", `pygent.bearer.${token}`] : [];
    const ws = new WebSocket(`${scheme}//${location.host}/ws`, protocols);
    socket = ws;
    ws.onopen = () => {
      retryMs = FIRST_RETRY_MS;
      ws.send(JSON.stringify({ type: "subscribe", events: options.topics, ...(options.serverIds ? { server_ids: options.serverIds } : {}) }));
      options.onConnection("open", null);
    };
    ws.onmessage = (event: MessageEvent<string>) => {
      try {
        options.onMessage(JSON.parse(event.data) as WireMessage);
      } catch {
        // A frame that is not JSON is not ours to show.
      }
    };
    ws.onclose = (event) => {
      socket = null;
      if (stopped) return;
      if (event.code === UNAUTHORIZED_CLOSE_CODE) {
        options.onUnauthorized();
        return;
      }
      const wait = Math.round(retryMs * (0.8 + Math.random() * 0.4));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      options.onConnection("closed", wait);
      timer = setTimeout(open, wait);
    };
  };

  open();
  return {
    close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close(1000, "page closed");
    },
  };
}
