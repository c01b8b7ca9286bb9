/**
 * `pygent mcp`'s relay: an MCP server on stdin/stdout whose every message goes to the daemon's
 * /mcp and back, unchanged, so a desktop client that only launches commands reaches every server
 * the daemon runs. A request the daemon cannot take (unreachable, refused token) is answered with
 * a JSON-RPC error saying why, so the client is not left waiting. Ends when stdin closes.
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

/** Relays until either side closes; resolves then. */
export async function relayStdioToDaemon(options: RelayOptions): Promise<void> {
  const [{ StreamableHTTPClientTransport, isJSONRPCRequest, isJSONRPCResultResponse }, { StdioServerTransport }] = await Promise.all([
    import("@modelcontextprotocol/client"),
    import("@modelcontextprotocol/server/stdio"),
  ]);
  const headers: Record<string, string> = { [GATEWAY_RELAY_HEADER]: "1", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const daemon = new StreamableHTTPClientTransport(options.url, { requestInit: { headers } });
  const local = new StdioServerTransport(options.stdin, options.stdout);
  const initializing = new Set<string | number>();

  const closed = new Promise<void>((resolve) => {
    local.onclose = () => {
      void daemon.terminateSession().catch(() => undefined).finally(() => void daemon.close().finally(resolve));
    };
    daemon.onclose = () => void local.close().finally(resolve);
  });

  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === "initialize") initializing.add(message.id);
    daemon.send(message).catch((error: unknown) => {
      const reason = `PyGent daemon at ${options.url.href}: ${errorMessage(error)}`;
      options.warn(reason);
      if (isJSONRPCRequest(message)) {
        void local.send({ jsonrpc: "2.0", id: message.id, error: { code: INTERNAL_ERROR, message: reason } });
      }
    });
  };
  daemon.onmessage = (message: JSONRPCMessage) => {
    // The SDK client would do this after initialize; a relay speaks for it.
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") daemon.setProtocolVersion(version);
    }
    void local.send(message);
  };
  daemon.onerror = (error) => options.warn(`PyGent daemon at ${options.url.href}: ${error.message}`);

  await daemon.start();
  await local.start();
  await closed;
}
