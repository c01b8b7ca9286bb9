/**
 * `pygent mcp`'s relay: an MCP server on stdin/stdout whose every message goes to the daemon's
 * /mcp and back, unchanged (daemon-mcp-link.ts), so a desktop client that only launches commands
 * reaches every server the daemon runs. A request the daemon cannot take (unreachable, refused
 * token) is answered with a JSON-RPC error saying why, so the client is not left waiting. Ends
 * when stdin closes and the requests read from it are answered.
 */
import type { Readable, Writable } from "node:stream";
import { errorMessage } from "../core/errors.js";
// The leaf, not the domain's index: the relay needs the gateway's paths, not its MCP server.
import { GATEWAY_RELAY_HEADER } from "../gateway/paths.js";
import { DaemonLink, type WireMessage } from "./daemon-mcp-link.js";

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

const isRequest = (message: WireMessage): boolean => typeof message.method === "string" && "id" in message;
const answerId = (message: WireMessage): RequestId | undefined =>
  !("method" in message) && ("result" in message || "error" in message) && (typeof message.id === "string" || typeof message.id === "number")
    ? message.id
    : undefined;

/**
 * Relays until stdin closes and every request read from it has its answer (or DRAIN_MS passed);
 * resolves then. Messages are newline-delimited JSON both ways, as the MCP stdio transport has
 * them. Until `initialize` is answered, later messages wait for it, so that they belong to the
 * session it opens.
 */
export async function relayStdioToDaemon(options: RelayOptions): Promise<void> {
  const input = options.stdin ?? process.stdin;
  const output = options.stdout ?? process.stdout;
  const where = `PyGent daemon at ${options.url.href}`;
  const write = (message: WireMessage) => {
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

  const daemon = new DaemonLink({
    url: options.url,
    headers: { [GATEWAY_RELAY_HEADER]: "1", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    onmessage: (message) => {
      write(message);
      const id = answerId(message);
      if (id === undefined) return;
      const release = initializing.get(id);
      if (release) {
        // The SDK client would do this after initialize; a relay speaks for it.
        const version = (message.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
        if (typeof version === "string") daemon.setProtocolVersion(version);
        initializing.delete(id);
        release();
      }
      answered(id);
    },
    onerror: (error) => options.warn(`${where}: ${error.message}`),
  });

  const relay = (message: WireMessage) => {
    const request = isRequest(message);
    const id = message.id as RequestId;
    if (request) owed.add(id);
    const previous = gate;
    if (request && message.method === "initialize") gate = new Promise((resolve) => initializing.set(id, resolve));
    void previous
      .then(() => daemon.send(message))
      .catch((error: unknown) => {
        const reason = `${where}: ${errorMessage(error)}`;
        options.warn(reason);
        if (!request) return;
        initializing.get(id)?.();
        initializing.delete(id);
        write({ jsonrpc: "2.0", id, error: { code: INTERNAL_ERROR, message: reason } });
        answered(id);
      });
  };

  await new Promise<void>((resolve) => {
    const inputEnded = () => {
      const finish = () => void daemon.close().finally(resolve);
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
        let message: unknown;
        try {
          message = JSON.parse(line);
          if (typeof message !== "object" || message === null) throw new TypeError("not a message");
        } catch {
          options.warn("a line on stdin is not JSON; MCP over stdio is one JSON-RPC message per line");
          write({ jsonrpc: "2.0", id: null, error: { code: PARSE_ERROR, message: "Parse error: a line is not JSON" } });
          continue;
        }
        relay(message as WireMessage);
      }
    });
    input.once("end", inputEnded);
  });
}
