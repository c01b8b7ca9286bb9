/**
 * Token checks for the routes outside /api that still need them: the /ws upgrade and /metrics.
 * Same rule as the /api guard (auth-guard.ts): open while auth is off, otherwise a valid
 * token whose role covers the route. Browsers cannot set headers on a WebSocket, so a route may
 * also accept the token as a subprotocol (`pygent.bearer.<token>` offered beside `pygent.v1`,
 * which the server picks, as the dashboard does: the token stays out of URLs) or as
 * `?token=`; such URLs are logged with the token blanked out.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import type { TokenRole } from "../../store/tokens-repository.js";
import { bearerToken, type Authenticator } from "./auth-guard.js";

export interface RouteTokenGuardOptions {
  role: TokenRole;
  /** Also accept `?token=<token>` and the `pygent.bearer.<token>` subprotocol (for browser WebSockets). */
  allowQueryToken?: boolean;
}

/** The subprotocol prefix that carries a token on a browser's WebSocket upgrade. */
export const BEARER_PROTOCOL_PREFIX = "pygent.bearer.";

/** The token offered as a `pygent.bearer.<token>` subprotocol (`Sec-WebSocket-Protocol`), or undefined. */
export function protocolToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const offered = header.split(",").map((protocol) => protocol.trim());
  return offered.find((protocol) => protocol.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
}

/** The `token` query parameter of a URL, or undefined. */
export function queryToken(url: string): string | undefined {
  const query = url.indexOf("?");
  if (query === -1) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get("token") ?? undefined;
}

/** The URL with the value of any `token` query parameter replaced, for logs. */
export function redactTokenParam(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, "$1[redacted]");
}

/** An onRequest hook for one route; runs after the global Host/Origin guard. */
export function routeTokenGuard(auth: Authenticator, options: RouteTokenGuardOptions): onRequestAsyncHookHandler {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Fails closed: a store that cannot say whether auth is on is a 500, never an open door.
    const on = await auth.tokens.authEnabled();
    request.authMode = on ? "on" : "off";
    if (!on) return;
    const presented =
      bearerToken(request.headers.authorization) ??
      (options.allowQueryToken ? (protocolToken(request.headers["sec-websocket-protocol"]) ?? queryToken(request.url)) : undefined);
    request.principal = await auth.authenticate(request, reply, presented, options.role);
  };
}
