/** The MCP server SDK, loaded with the first client of the gateway, never at the daemon's start. */
import type { JSONRPCRequest, Result, Server, ServerContext } from "@modelcontextprotocol/server";

export type ServerSdk = typeof import("@modelcontextprotocol/server");

let serverSdk: Promise<ServerSdk> | undefined;

export function loadServerSdk(): Promise<ServerSdk> {
  serverSdk ??= import("@modelcontextprotocol/server");
  return serverSdk;
}

type Handler = (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>;

let gatewayServer: typeof Server | undefined;

/**
 * The SDK's low-level Server as the gateway runs it. The SDK checks a tools/call request twice
 * (when it arrives, then again around the handler) and its result once more on the way out; the
 * gateway's results are the upstream server's answer, already checked by the manager's client, or
 * its own tools'. So the request is checked once, on arrival, and the result not again.
 */
export function gatewayServerClass(sdk: ServerSdk): typeof Server {
  gatewayServer ??= class GatewayServer extends sdk.Server {
    protected override _wrapHandler(method: string, handler: Handler): Handler {
      return method === "tools/call" ? handler : super._wrapHandler(method, handler);
    }
  };
  return gatewayServer;
}
