/**
 * `pygent mcp`'s connection to the daemon's /mcp, on node:http with kept-alive sockets: each
 * client message is POSTed as it is, and the answer — one JSON body, or an event stream when the
 * daemon has more to say first (progress, a sampling request) — is handed back message by
 * message. The session id and protocol version the daemon gives at initialize go on every later
 * request, and once the session is initialized a GET stream carries what the daemon says unasked
 * (list_changed). Nothing of a message is read or checked on the way but what routing needs.
 */
import http from "node:http";
import https from "node:https";
import { textOf } from "../core/http-exchange.js";

const SESSION_HEADER = "mcp-session-id";
const VERSION_HEADER = "mcp-protocol-version";
/** How long the event stream waits before it is opened again after it ended. */
const REOPEN_DELAY_MS = 1_000;

export type WireMessage = Record<string, unknown>;

export interface DaemonLinkOptions {
  url: URL;
  /** Sent with every request (the token, the relay's mark). */
  headers: Record<string, string>;
  /** Each message the daemon sends: answers, notifications, its own requests. */
  onmessage: (message: WireMessage) => void;
  /** A problem outside any one request (the event stream failed). */
  onerror: (error: Error) => void;
}

/** The `data` of each `message` event in an event stream's text; `rest` is an incomplete tail. */
export function parseEvents(text: string): { data: string[]; rest: string } {
  const data: string[] = [];
  const blocks = text.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let type = "message";
    const lines: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("data:")) lines.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      else if (line.startsWith("event:")) type = line.slice(6).trim();
    }
    if (type === "message" && lines.length > 0) data.push(lines.join("\n"));
  }
  return { data, rest };
}

export class DaemonLink {
  private readonly options: DaemonLinkOptions;
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private stream: http.ClientRequest | undefined;
  private closed = false;

  constructor(options: DaemonLinkOptions) {
    this.options = options;
    this.client = options.url.protocol === "https:" ? https : http;
    this.agent = new this.client.Agent({ keepAlive: true });
  }

  /** Where answers carry their session from now on: the version initialize agreed on. */
  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** POSTs one message; resolves once its answer (if any) has been handed on, rejects with why the daemon did not take it. */
  async send(message: WireMessage): Promise<void> {
    const body = JSON.stringify(message);
    const response = await this.request("POST", { "content-type": "application/json", accept: "application/json, text/event-stream" }, body);
    const session = response.headers[SESSION_HEADER];
    if (typeof session === "string") this.sessionId = session;
    if (response.statusCode === 202) response.resume();
    else if (response.statusCode !== 200) throw await this.refusal(response);
    else if (String(response.headers["content-type"]).includes("text/event-stream")) await this.readEvents(response);
    else {
      const parsed = JSON.parse(await textOf(response)) as WireMessage | WireMessage[];
      for (const answer of Array.isArray(parsed) ? parsed : [parsed]) this.options.onmessage(answer);
    }
    if (message.method === "notifications/initialized") this.openStream();
  }

  /** Ends the session on the daemon (DELETE) and lets go of every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    if (this.sessionId !== undefined) {
      await this.request("DELETE", {}).then(
        (response) => void response.resume(),
        () => undefined,
      );
    }
    this.agent.destroy();
  }

  /** The daemon's unasked messages, on a GET stream kept open while the session lasts (none when the daemon offers none: 405). */
  private openStream(): void {
    if (this.closed || this.stream || this.sessionId === undefined) return;
    const request = this.client.request(this.options.url, { method: "GET", agent: this.agent, headers: this.headers({ accept: "text/event-stream" }) });
    this.stream = request;
    const reopen = () => {
      this.stream = undefined;
      if (!this.closed) setTimeout(() => this.openStream(), REOPEN_DELAY_MS).unref();
    };
    request.on("response", (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        this.stream = undefined;
        if (response.statusCode !== 405) this.options.onerror(new Error(`the event stream was refused (HTTP ${response.statusCode})`));
        return;
      }
      this.readEvents(response).then(reopen, (error: unknown) => {
        if (!this.closed) this.options.onerror(error instanceof Error ? error : new Error(String(error)));
        reopen();
      });
    });
    request.on("error", (error) => {
      this.stream = undefined;
      if (!this.closed) this.options.onerror(error);
    });
    request.end();
  }

  private readEvents(response: http.IncomingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      let pending = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const { data, rest } = parseEvents(pending + chunk);
        pending = rest;
        for (const text of data) this.options.onmessage(JSON.parse(text) as WireMessage);
      });
      response.once("end", resolve);
      response.once("error", reject);
      response.once("aborted", () => reject(new Error("the daemon closed the event stream")));
    });
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return {
      ...this.options.headers,
      ...extra,
      ...(this.sessionId !== undefined ? { [SESSION_HEADER]: this.sessionId } : {}),
      ...(this.protocolVersion !== undefined ? { [VERSION_HEADER]: this.protocolVersion } : {}),
    };
  }

  private request(method: string, extra: Record<string, string>, body?: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = this.client.request(this.options.url, { method, agent: this.agent, headers: this.headers(extra) });
      request.once("response", resolve);
      request.once("error", reject);
      request.end(body);
    });
  }

  private async refusal(response: http.IncomingMessage): Promise<Error> {
    const text = await textOf(response).catch(() => "");
    return new Error(`HTTP ${response.statusCode}${text ? `: ${text}` : ""}`);
  }
}
