/**
 * `pygent mcp`'s relay: an MCP server on stdin/stdout whose every message goes to the daemon's
 * /mcp and back, unchanged, so a desktop client that only launches commands reaches every server
 * the daemon runs. A request the daemon cannot take (unreachable, refused token) is answered with
 * a JSON-RPC error saying why, so the client is not left waiting. Ends when stdin closes and the
 * requests read from it are answered.
 */
import type { Readable, Writable } from "node:stream";
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { errorMessage } from "../core/errors.js";
import { GATEWAY_RELAY_HEADER } from "../gateway/index.js";

export interface RelayOptions {
  /** The daemon's MCP endpoint. */
  url: URL;
  token?: string | undefined;
  stdin?: Readable;
  stdout?: Writable;
  /** Problems worth telling the person running the command (on stderr; stdout is the protocol's). */
  warn: (line: string) => void;
}

const INTERNAL_ERROR = -32603;
const PARSE_ERROR = -32700;
/** How long answers still owed are awaited once stdin has closed. */
const DRAIN_MS = 60_000;

type RequestId = string | number;

/**
 * Relays until stdin closes and every request read from it has its answer (or DRAIN_MS passed),
 * or until the daemon's side closes; resolves then. Messages are newline-delimited JSON both ways,
 * as the MCP stdio transport has them. Until `initialize` is answered, later messages wait for it,
 * so that they belong to the session it opens.
 */
export async function relayStdioToDaemon(options: RelayOptions): Promise<void> {
  const { StreamableHTTPClientTransport, isJSONRPCRequest, isJSONRPCResultResponse, isJSONRPCErrorResponse } = await import("@modelcontextprotocol/client");
  const headers: Record<string, string> = { [GATEWAY_RELAY_HEADER]: "1", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const daemon = new StreamableHTTPClientTransport(options.url, { requestInit: { headers } });
  const input = options.stdin ?? process.stdin;
  const output = options.stdout ?? process.stdout;
  const write = (message: JSONRPCMessage) => {
    if (!output.writableEnded && !output.destroyed) output.write(`${JSON.stringify(message)}\n`);
  };

  /** Requests sent on and not answered yet. */
  const owed = new Set<RequestId>();
  let drained: (() => void) | undefined;
  const answered = (id: RequestId) => {
    owed.delete(id);
    if (owed.size === 0) drained?.();
  };
  /** Later messages wait for this: the answer to a pending initialize. */
  let gate: Promise<void> = Promise.resolve();
  const initializing = new Map<RequestId, () => void>();

  const relay = (message: JSONRPCMessage) => {
    const request = isJSONRPCRequest(message);
    if (request) owed.add(message.id);
    const previous = gate;
    if (request && message.method === "initialize") gate = new Promise((resolve) => initializing.set(message.id, resolve));
    void previous
      .then(() => daemon.send(message))
      .catch((error: unknown) => {
        const reason = `PyGent daemon at ${options.url.href}: ${errorMessage(error)}`;
        options.warn(reason);
        if (!request) return;
        initializing.get(message.id)?.();
        initializing.delete(message.id);
        write({ jsonrpc: "2.0", id: message.id, error: { code: INTERNAL_ERROR, message: reason } });
        answered(message.id);
      });
  };

  daemon.onmessage = (message: JSONRPCMessage) => {
    write(message);
    const id = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined;
    if (id === undefined) return;
    const release = initializing.get(id);
    if (release) {
      // The SDK client would do this after initialize; a relay speaks for it.
      const version = isJSONRPCResultResponse(message) ? (message.result as { protocolVersion?: unknown }).protocolVersion : undefined;
      if (typeof version === "string") daemon.setProtocolVersion(version);
      initializing.delete(id);
      release();
    }
    answered(id);
  };
  daemon.onerror = (error) => options.warn(`PyGent daemon at ${options.url.href}: ${error.message}`);

  const closed = new Promise<void>((resolve) => {
    daemon.onclose = () => resolve();
    const inputEnded = () => {
      const finish = () => void daemon.terminateSession().catch(() => undefined).finally(() => void daemon.close().finally(resolve));
      if (owed.size === 0) return finish();
      const timer = setTimeout(finish, DRAIN_MS);
      drained = () => {
        clearTimeout(timer);
        finish();
      };
    };
    let buffer = "";
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line === "") continue;
        let message: JSONRPCMessage;
        try {
          message = JSON.parse(line) as JSONRPCMessage;
        } catch {
          options.warn("a line on stdin is not JSON; MCP over stdio is one JSON-RPC message per line");
          write({ jsonrpc: "2.0", id: null, error: { code: PARSE_ERROR, message: "Parse error: a line is not JSON" } } as unknown as JSONRPCMessage);
          continue;
        }
        relay(message);
      }
    });
    input.once("end", inputEnded);
  });

  await daemon.start();
  await closed;
}
