/**
 * Where the gateway is served, in a module of its own: `pygent mcp` relays to these paths and
 * loads only this, not the gateway's MCP server, when the daemon serves the gateway itself.
 */

/** Where the API serves the gateway. */
export const GATEWAY_PATH = "/mcp";

/** The header `pygent mcp` sends, so that its calls are counted as the relay's, not the gateway's. */
export const GATEWAY_RELAY_HEADER = "x-pygent-relay";

/** Where the API serves a profile's subset. */
export function profilePath(profile: string): string {
  return `${GATEWAY_PATH}/p/${encodeURIComponent(profile)}`;
}
