/** The MCP server SDK, loaded with the first client of the gateway, never at the daemon's start. */
export type ServerSdk = typeof import("@modelcontextprotocol/server");

let serverSdk: Promise<ServerSdk> | undefined;

export function loadServerSdk(): Promise<ServerSdk> {
  serverSdk ??= import("@modelcontextprotocol/server");
  return serverSdk;
}
