/**
 * MCP messages as the chunks the gateway's HTTP transports write (/mcp and the legacy /sse): JSON
 * text, with a kept answer's bytes (a tools/list of every server's tools) as a chunk of its own, so
 * that half a megabyte of tools is neither serialized, encoded nor copied again per answer.
 */
import type { ServerResponse } from "node:http";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { keptAnswerBytes } from "../gateway/index.js";

export type Chunks = (string | Buffer)[];

/** A message, or a batch of them, as JSON chunks. */
export function serialize(message: JSONRPCMessage | JSONRPCMessage[]): Chunks {
  if (Array.isArray(message)) return ["[", ...message.flatMap((item, i) => (i === 0 ? serialize(item) : [",", ...serialize(item)])), "]"];
  const { result, id } = message as { result?: unknown; id?: unknown };
  const kept = keptAnswerBytes(result);
  return kept === undefined ? [JSON.stringify(message)] : [`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`, kept, "}"];
}

/** A message as one server-sent `message` event. */
export function sseEvent(message: JSONRPCMessage): Chunks {
  return ["event: message\ndata: ", ...serialize(message), "\n\n"];
}

/** Writes the chunks in one go (one writev). */
export function writeChunks(response: ServerResponse, chunks: Chunks): void {
  response.cork();
  for (const chunk of chunks) response.write(chunk);
  response.uncork();
}
