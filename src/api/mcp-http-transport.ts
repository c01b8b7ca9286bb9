/**
 * The Streamable HTTP server transport of the gateway, on Node's own request and response (the
 * SDK's Node transport converts every exchange to web Request/Response objects and streams, which
 * cost more than the call it carries). Behaves as the MCP spec asks of a server: POST carries
 * client messages (202 for notifications and responses alone), GET opens the session's event
 * stream, DELETE ends the session; `initialize` opens a session when an id generator is given,
 * and later requests must name it. A POST with requests is answered as one JSON body when the
 * server has nothing else to say first — the common case: a list, a call — and becomes an SSE
 * stream the moment it has (a progress notification, a sampling request), as the spec lets a
 * server choose for each POST.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthInfo, JSONRPCMessage, RequestId, Transport, TransportSendOptions } from "@modelcontextprotocol/server";
import { serialize, sseEvent, writeChunks } from "./mcp-message-chunks.js";

/** How the route hands over the caller's identity, as with the SDK's Node transport. */
export type AuthenticatedRequest = IncomingMessage & { auth?: AuthInfo };

export interface McpHttpTransportOptions {
  /** Gives each new session its id; none for a stateless transport that serves one request. */
  sessionIdGenerator?: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  onsessionclosed?: (sessionId: string) => void;
  /** Comment lines on an open event stream, so that idle connections are not cut; 0: none. */
  keepAliveMs?: number;
}

const SESSION_HEADER = "mcp-session-id";
const MAX_BATCH = 100;
const DEFAULT_KEEP_ALIVE_MS = 15_000;
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/** JSON-RPC codes the transport answers with itself. */
const CODE = { connection: -32000, sessionNotFound: -32001, parse: -32700, invalidRequest: -32600 } as const;

type Message = Record<string, unknown>;

const isRequest = (message: Message): boolean => typeof message.method === "string" && "id" in message;
const isResponse = (message: Message): boolean => "id" in message && ("result" in message || "error" in message) && !("method" in message);

function isMessage(value: unknown): value is Message {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const message = value as Message;
  if (message.jsonrpc !== "2.0") return false;
  if ("id" in message && typeof message.id !== "string" && typeof message.id !== "number") return false;
  return typeof message.method === "string" || isResponse(message);
}

function accepts(request: IncomingMessage, type: string): boolean {
  return request.headers.accept?.includes(type) === true;
}

/** One POST with requests in it: where its answers and the messages related to it go. */
interface Exchange {
  response: ServerResponse;
  /** Its requests' ids, in the order they came. */
  ids: RequestId[];
  answers: Map<RequestId, JSONRPCMessage>;
  /** Whether the answer became an event stream (headers sent). */
  streaming: boolean;
  /** Whether the client went away before the answer was complete. */
  gone: boolean;
  keepAlive?: NodeJS.Timeout;
}

export class McpHttpTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];

  private readonly options: McpHttpTransportOptions;
  private readonly keepAliveMs: number;
  private supportedVersions: readonly string[] | undefined;
  private initialized = false;
  private handled = false;
  private closed = false;
  private readonly exchanges = new Map<RequestId, Exchange>();
  private standalone: { response: ServerResponse; keepAlive?: NodeJS.Timeout } | undefined;

  constructor(options: McpHttpTransportOptions = {}) {
    this.options = options;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  }

  async start(): Promise<void> {}

  setSupportedProtocolVersions(versions: string[]): void {
    this.supportedVersions = versions;
  }

  /** Serves one HTTP exchange; the body comes parsed (the API's JSON parser read it). */
  async handleRequest(request: AuthenticatedRequest, response: ServerResponse, body: unknown): Promise<void> {
    if (this.closed) return this.fail(response, 404, CODE.sessionNotFound, "Session not found");
    if (!this.options.sessionIdGenerator && this.handled) throw new Error("a stateless MCP transport serves one request; create one per request");
    this.handled = true;
    if (request.method === "POST") return this.post(request, response, body);
    if (request.method === "GET") return this.openStream(request, response);
    if (request.method === "DELETE") return this.end(request, response);
    response.writeHead(405, { allow: "GET, POST, DELETE", "content-type": "application/json" });
    response.end(JSON.stringify({ jsonrpc: "2.0", error: { code: CODE.connection, message: "Method not allowed." }, id: null }));
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const sent = message as unknown as Message;
    const answer = isResponse(sent);
    const requestId = answer ? (sent.id as RequestId) : options?.relatedRequestId;
    if (requestId === undefined) {
      if (answer) throw new Error("an answer needs the request it answers");
      if (this.standalone && !this.standalone.response.writableEnded) writeChunks(this.standalone.response, sseEvent(message));
      return;
    }
    const exchange = this.exchanges.get(requestId);
    if (!exchange) throw new Error(`no open exchange for request ${String(requestId)}`);
    if (!answer) {
      this.stream(exchange);
      if (!exchange.gone) writeChunks(exchange.response, sseEvent(message));
      return;
    }
    exchange.answers.set(requestId, message);
    if (exchange.streaming && !exchange.gone) writeChunks(exchange.response, sseEvent(message));
    if (exchange.answers.size < exchange.ids.length) return;
    for (const id of exchange.ids) this.exchanges.delete(id);
    this.finish(exchange);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const exchange of new Set(this.exchanges.values())) {
      if (exchange.streaming || exchange.gone) this.finish(exchange);
      else this.fail(exchange.response, 404, CODE.sessionNotFound, "Session closed before the answer");
    }
    this.exchanges.clear();
    if (this.standalone) {
      clearInterval(this.standalone.keepAlive);
      this.standalone.response.end();
      this.standalone = undefined;
    }
    this.onclose?.();
  }

  private async post(request: AuthenticatedRequest, response: ServerResponse, body: unknown): Promise<void> {
    if (!accepts(request, "application/json") || !accepts(request, "text/event-stream")) {
      return this.fail(response, 406, CODE.connection, "Not Acceptable: Client must accept both application/json and text/event-stream");
    }
    if (!/^application\/json\b/i.test(request.headers["content-type"] ?? "")) {
      return this.fail(response, 415, CODE.connection, "Unsupported Media Type: Content-Type must be application/json");
    }
    const raw = Array.isArray(body) ? body : [body];
    if (raw.length > MAX_BATCH) return this.fail(response, 400, CODE.invalidRequest, `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`);
    if (!raw.every(isMessage)) return this.fail(response, 400, CODE.parse, "Parse error: Invalid JSON-RPC message");
    const messages = raw as Message[];
    const initializing = messages.some((message) => message.method === "initialize" && isRequest(message));
    if (initializing) {
      if (this.initialized && this.sessionId !== undefined) return this.fail(response, 400, CODE.invalidRequest, "Invalid Request: Server already initialized");
      if (messages.length > 1) return this.fail(response, 400, CODE.invalidRequest, "Invalid Request: Only one initialization request is allowed");
      this.sessionId = this.options.sessionIdGenerator?.();
      this.initialized = true;
      if (this.sessionId !== undefined) this.options.onsessioninitialized?.(this.sessionId);
    } else if (!this.admits(request, response)) {
      return;
    }
    const extra = request.auth ? { authInfo: request.auth } : undefined;
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      for (const message of messages) this.onmessage?.(message as unknown as JSONRPCMessage, extra);
      response.writeHead(202).end();
      return;
    }
    const exchange: Exchange = { response, ids: requests.map((message) => message.id as RequestId), answers: new Map(), streaming: false, gone: false };
    for (const id of exchange.ids) this.exchanges.set(id, exchange);
    response.on("close", () => {
      if (!response.writableFinished) exchange.gone = true;
      clearInterval(exchange.keepAlive);
    });
    for (const message of messages) this.onmessage?.(message as unknown as JSONRPCMessage, extra);
  }

  private openStream(request: IncomingMessage, response: ServerResponse): void {
    if (!accepts(request, "text/event-stream")) return this.fail(response, 406, CODE.connection, "Not Acceptable: Client must accept text/event-stream");
    if (!this.admits(request, response)) return;
    if (this.standalone) return this.fail(response, 409, CODE.connection, "Conflict: Only one SSE stream is allowed per session");
    response.writeHead(200, this.headers(SSE_HEADERS));
    response.flushHeaders();
    const stream: { response: ServerResponse; keepAlive?: NodeJS.Timeout } = { response, keepAlive: this.keepAlive(response) };
    this.standalone = stream;
    response.on("close", () => {
      clearInterval(stream.keepAlive);
      if (this.standalone === stream) this.standalone = undefined;
    });
  }

  private async end(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.admits(request, response)) return;
    if (this.sessionId !== undefined) this.options.onsessionclosed?.(this.sessionId);
    response.writeHead(200).end();
    await this.close();
  }

  /** The session and protocol-version checks of every request but `initialize`; answers the refusal itself. */
  private admits(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.options.sessionIdGenerator) {
      if (!this.initialized) return this.fail(response, 400, CODE.connection, "Bad Request: Server not initialized"), false;
      const given = request.headers[SESSION_HEADER];
      if (!given) return this.fail(response, 400, CODE.connection, "Bad Request: Mcp-Session-Id header is required"), false;
      if (given !== this.sessionId) return this.fail(response, 404, CODE.sessionNotFound, "Session not found"), false;
    }
    const version = request.headers["mcp-protocol-version"];
    if (typeof version === "string" && this.supportedVersions && !this.supportedVersions.includes(version)) {
      const message = `Bad Request: Unsupported protocol version: ${version} (supported versions: ${this.supportedVersions.join(", ")})`;
      return this.fail(response, 400, CODE.connection, message), false;
    }
    return true;
  }

  /** Turns an exchange into an event stream, with the answers it already has. */
  private stream(exchange: Exchange): void {
    if (exchange.streaming) return;
    exchange.streaming = true;
    if (exchange.gone) return;
    exchange.response.writeHead(200, this.headers(SSE_HEADERS));
    for (const answer of exchange.answers.values()) writeChunks(exchange.response, sseEvent(answer));
    exchange.keepAlive = this.keepAlive(exchange.response);
  }

  private finish(exchange: Exchange): void {
    clearInterval(exchange.keepAlive);
    if (exchange.gone) return;
    if (exchange.streaming) {
      exchange.response.end();
      return;
    }
    const answers = exchange.ids.map((id) => exchange.answers.get(id) as JSONRPCMessage);
    const body = serialize(answers.length === 1 ? (answers[0] as JSONRPCMessage) : answers);
    if (body.length === 1) {
      exchange.response.writeHead(200, this.headers({ "content-type": "application/json" }));
      exchange.response.end(body[0]);
      return;
    }
    const length = body.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
    exchange.response.writeHead(200, this.headers({ "content-type": "application/json", "content-length": String(length) }));
    writeChunks(exchange.response, body);
    exchange.response.end();
  }

  private headers(base: Record<string, string>): Record<string, string> {
    return this.sessionId !== undefined ? { ...base, [SESSION_HEADER]: this.sessionId } : base;
  }

  private keepAlive(response: ServerResponse): NodeJS.Timeout | undefined {
    if (this.keepAliveMs <= 0) return undefined;
    return setInterval(() => response.write(": keepalive\n\n"), this.keepAliveMs).unref();
  }

  private fail(response: ServerResponse, status: number, code: number, message: string): void {
    this.onerror?.(new Error(message));
    if (response.headersSent) {
      response.end();
      return;
    }
    response.writeHead(status, this.headers({ "content-type": "application/json" }));
    response.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
  }
}
