/**
 * The legacy HTTP+SSE transport of MCP (protocol 2024-11-05) for clients older than Streamable
 * HTTP: `GET /sse` opens an event stream whose first event, `endpoint`, names
 * `/messages?sessionId=<id>`; the client POSTs its messages there (202 Accepted) and every
 * answer and notification comes down the stream as a `message` event. The v2 SDK has no server
 * side for it, so this is the SDK's Transport interface over one Node response.
 */
import type { ServerResponse } from "node:http";
import type { AuthInfo, JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import { sseEvent, writeChunks } from "./mcp-message-chunks.js";

export class LegacySseTransport implements Transport {
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  onmessage?: Transport["onmessage"];
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly endpoint: string,
    private readonly response: ServerResponse,
  ) {
    response.on("close", () => this.finish());
  }

  async start(): Promise<void> {
    this.response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
    });
    this.response.write(`event: endpoint\ndata: ${this.endpoint}\n\n`);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error(`the event stream of session ${this.sessionId} is closed`);
    writeChunks(this.response, sseEvent(message));
  }

  /** A message the client POSTed to /messages, already checked to be JSON-RPC, with who sent it when tokens are on. */
  receive(message: JSONRPCMessage, authInfo?: AuthInfo): void {
    this.onmessage?.(message, authInfo ? { authInfo } : undefined);
  }

  async close(): Promise<void> {
    this.response.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
