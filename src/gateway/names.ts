/**
 * How the gateway names what it serves: a tool or prompt of server `fs` named `read` is
 * `fs__read` (with the default separator). A name is split at the first separator, so a server
 * whose id would make that split ambiguous (`a__b`, or `a_` before `__`) is left out rather than
 * let two names collide: every exposed name maps back to exactly one server and one name.
 */
import { MCP_TOOL_NAME_PATTERN } from "../config/schema.js";

/** MCP's limit on a tool name's length. */
export const MAX_TOOL_NAME_LENGTH = 128;

export const DEFAULT_SEPARATOR = "__";

/** Whether names of this server can carry its id unambiguously: the first separator in `<id><separator>` is the one after the id. */
export function idFitsSeparator(serverId: string, separator: string): boolean {
  return `${serverId}${separator}`.indexOf(separator) === serverId.length;
}

/** `<server_id><separator><name>`, or undefined when the result is not a valid MCP tool name (too long, or characters MCP does not allow). */
export function namespacedName(serverId: string, name: string, separator: string): string | undefined {
  const full = `${serverId}${separator}${name}`;
  if (full.length > MAX_TOOL_NAME_LENGTH || !MCP_TOOL_NAME_PATTERN.test(full)) return undefined;
  return full;
}

/** The server id and the server's own name in a namespaced name, or undefined when it has no separator. */
export function splitName(full: string, separator: string): { serverId: string; name: string } | undefined {
  const at = full.indexOf(separator);
  if (at <= 0) return undefined;
  return { serverId: full.slice(0, at), name: full.slice(at + separator.length) };
}
