/** Identifiers: the rule for server ids, and random ids for records. */
import { randomBytes, randomUUID } from "node:crypto";

/** Letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters. */
export const SERVER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Taken by the MCP gateway's own tools (`pygent__search_tools`, ...), so that no server's tool can pass for one. */
export const RESERVED_SERVER_ID = "pygent";

/** Taken by the Retrieval System's tools on the gateway (`rag__search`, `rag__ingest`), for the same reason. */
export const RAG_SERVER_ID = "rag";

/** Each id no server may take, with what it is kept for. */
const RESERVED_IDS: Readonly<Record<string, string>> = {
  [RESERVED_SERVER_ID]: "the gateway's own tools",
  [RAG_SERVER_ID]: "the Retrieval System's tools",
};

/** Why the id is not acceptable, or undefined when it is. */
export function serverIdProblem(id: string): string | undefined {
  if (id.length === 0) return "must not be empty";
  if (id.length > 64) return "must be at most 64 characters";
  if (id.includes("/") || id.includes("\\")) return "must not contain '/' or '\\'";
  if (id.includes("..")) return "must not contain '..'";
  if (!SERVER_ID_PATTERN.test(id)) {
    return "may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit";
  }
  const keptFor = Object.hasOwn(RESERVED_IDS, id) ? RESERVED_IDS[id] : undefined;
  if (keptFor !== undefined) return `"${id}" is reserved for ${keptFor}`;
  return undefined;
}

export function newId(): string {
  return randomUUID();
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}
