/**
 * GET /ws: the live event stream. Registers @fastify/websocket and the route, and ties the hub's
 * lifetime to the app's. The upgrade goes through Fastify's normal request path, so the global
 * Host/Origin guard refuses a foreign page before any upgrade; the route's own guard asks for a
 * viewer token when auth is on (the Authorization header, or `?token=` for browsers, which cannot
 * set headers on a WebSocket), and the hub checks it again every few seconds, closing a connection
 * whose token was revoked or has expired. Open connections are limited in total and per token (per
 * client address while auth is off): an upgrade past either limit is refused with 429 before it
 * happens. The rate limit is off for this route: it would count and refuse upgrades like requests.
 */
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { MessageBus } from "../../bus/bus.js";
import type { Clock } from "../../core/clock.js";
import { AppError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Authenticator } from "../auth/auth-guard.js";
import { routeTokenGuard } from "../auth/route-token-guard.js";
import { EventHub, type EventHubOptions } from "./event-hub.js";
import { TOPICS } from "./wire-protocol.js";

export const WS_PATH = "/ws";
/** Largest frame a client may send; a bigger one closes the socket (1009), the one bad message that does. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

declare module "fastify" {
  interface FastifyInstance {
    /** The /ws hub, when the app was given a bus. */
    eventHub?: EventHub;
  }
}

export interface EventStreamOptions {
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  version: string;
  hub?: Partial<EventHubOptions> | undefined;
}

const DESCRIPTION = [
  "WebSocket. Send `{\"type\":\"subscribe\",\"events\":[...],\"server_ids\":[...]}` (server_ids optional) or",
  '`{"type":"unsubscribe","events":[...]}`; events: ' + TOPICS.join(", ") + ' (also health_update, alert, log, or "*").',
  "Receives welcome, subscribed/unsubscribed acks, error frames for bad messages, and health_update, server_status,",
  "alert, capabilities_changed, log, install_progress and metrics_activity (every few seconds while subscribed) events. When auth is on, a viewer token is needed:",
  "`Authorization: Bearer <token>`, or `?token=<token>` from a browser; a connection whose token is revoked or expires is closed (4001).",
  "Past the open-connection limits (security.ws_max_connections, security.ws_max_connections_per_token) the upgrade is refused: 429 WS_CONNECTION_LIMIT.",
].join(" ");

/** Open /ws connections allowed, read per upgrade so a config reload applies. */
export interface ConnectionLimits {
  total: number;
  /** Per token, or per client address while auth is off. */
  perKey: number;
}

/** Why one more connection for `key` would pass a limit, or undefined when it would not. */
function limitReached(hub: EventHub, key: string, limits: ConnectionLimits): string | undefined {
  if (hub.openConnections() >= limits.total) return `the daemon's ${limits.total} /ws connections are all open`;
  if (hub.openConnections(key) >= limits.perKey) {
    return `${limits.perKey} /ws connections are open for this ${key.startsWith("token:") ? "token" : "address"}`;
  }
  return undefined;
}

/**
 * Registers the WebSocket plugin and the hub on the root app. Call it before the guards and any
 * route: the plugin's hooks then mark upgrade requests first, so an upgrade a guard refuses has
 * its socket destroyed after the error answer, and an upgrade to a non-WebSocket route is closed.
 */
export async function registerWebSocketSupport(app: FastifyInstance, options: EventStreamOptions): Promise<EventHub> {
  const hub = new EventHub({
    bus: options.bus,
    clock: options.clock,
    logger: options.logger,
    version: options.version,
    options: options.hub,
  });
  const logger = options.logger.child({ module: "ws" });
  await app.register(websocket, {
    // No permessage-deflate: the hub writes frames it built once for every client (text-frame.ts).
    options: { maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false },
    // A client that vanishes mid-frame is routine, not an error worth a stack in the log. A
    // protocol error (an oversized frame) has already started ws's close with its code (1009):
    // let that close frame go out rather than cut the socket under it.
    errorHandler(error, socket) {
      logger.debug({ err: error }, "websocket client error");
      if (socket.readyState === socket.OPEN) socket.terminate();
    },
    // Replaces the plugin's default, which closes clients without a code: the hub says "going
    // away" (1001) and destroys sockets that do not finish closing in time.
    async preClose(this: FastifyInstance) {
      await hub.close();
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
  });
  app.decorate("eventHub", hub);
  return hub;
}

/** Adds GET /ws for the hub and starts it; call after the guards and the rate limit are registered. */
export function registerEventStreamRoute(app: FastifyInstance, hub: EventHub, auth: Authenticator, limits: () => ConnectionLimits): void {
  const { tokens } = auth;
  const tokenGuard = routeTokenGuard(auth, { role: "viewer", allowQueryToken: true });
  const connectionKey = (request: FastifyRequest): string =>
    request.principal ? `token:${request.principal.token_id}` : `address:${request.ip}`;
  app.route({
    method: "GET",
    url: WS_PATH,
    config: { rateLimit: false },
    schema: {
      tags: ["events"],
      summary: "Live events (WebSocket)",
      description: DESCRIPTION,
      querystring: z.object({
        token: z.string().optional().meta({ description: "API token, for browsers that cannot send Authorization" }),
      }),
    },
    onRequest: async (request, reply) => {
      await tokenGuard.call(app, request, reply);
      const reason = limitReached(hub, connectionKey(request), limits());
      if (reason !== undefined) throw new AppError("WS_CONNECTION_LIMIT", `Too many open /ws connections: ${reason}.`);
    },
    handler: async () => {
      throw new AppError("VALIDATION_FAILED", `${WS_PATH} speaks WebSocket only; connect with an Upgrade request.`);
    },
    // The check above and this attach run without yielding to another request's I/O (the
    // store is synchronous underneath), so upgrades arriving at once cannot race past the limit.
    wsHandler: (socket, request) => {
      hub.attach(socket, request.raw.socket, request.principal, connectionKey(request));
    },
  });
  hub.start(async (tokenId) => {
    if (!(await tokens.authEnabled())) return true;
    if (tokenId === null) return "authentication required";
    const state = await tokens.state(tokenId);
    return state === "active" ? true : `token ${state}`;
  });
}
