/**
 * The gateway on HTTP: `/mcp`, one MCP endpoint (Streamable HTTP) for every running server, and
 * GET /api/v1/gateway, its status. A POST of `initialize` opens a session (Mcp-Session-Id), which
 * later POSTs, the GET event stream and DELETE name; a POST of anything else without a session is
 * served statelessly. `/mcp/p/<profile>` serves a profile's subset the same way; a session belongs
 * to the endpoint that opened it. The transport (`../mcp-http-transport.ts`) answers on the raw
 * request and response. Host and Origin are checked by the app's guard, the body limit by its
 * parser, and tokens as for /api: a viewer may list and read, tools/call needs an operator, a
 * profile may ask more, and the gateway's own tools check the caller's role (handed to the SDK as
 * the request's auth info) themselves. Older clients use the legacy pair: GET /sse (the session's
 * event stream) and POST /messages. Sessions of both idle too long are closed and their number is
 * capped (gateway-sessions.ts).
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../../core/clock.js";
import { AppError, ERROR_CATALOGUE } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import {
  callerAuthInfo,
  GATEWAY_CALL_METHODS,
  GATEWAY_PATH,
  GATEWAY_RELAY_HEADER,
  GatewayStatusSchema,
  loadServerSdk,
  profilePath,
  type Gateway,
  type GatewayCaller,
} from "../../gateway/index.js";
import { actorOf } from "../audit-hook.js";
import type { TokenRole } from "../../store/index.js";
import type { Authenticator } from "../auth/auth-guard.js";
import { routeTokenGuard } from "../auth/route-token-guard.js";
import { roleAllows } from "../auth/token-service.js";
import { McpHttpTransport } from "../mcp-http-transport.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";
import { GatewaySessions, type SessionLimits } from "../gateway-sessions.js";
import { LegacySseTransport } from "../legacy-sse-transport.js";

const SESSION_HEADER = "mcp-session-id";
/** The legacy HTTP+SSE pair: the event stream, and where the client POSTs its messages. */
export const LEGACY_SSE_PATH = "/sse";
export const LEGACY_MESSAGES_PATH = "/messages";

/** The requests in the POSTed message (or batch) that ask to run something. */
function callsIn(body: unknown): { params?: { name?: unknown } }[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter(
    (message): message is { params?: { name?: unknown } } =>
      typeof message === "object" && message !== null && "id" in message && GATEWAY_CALL_METHODS.has(String((message as { method?: unknown }).method)),
  );
}

function toolNameOf(message: { params?: { name?: unknown } }): string {
  return String(message.params?.name);
}

/** Who sends this request: its token, and whether it comes through `pygent mcp`. */
function callerOf(request: FastifyRequest): GatewayCaller {
  return { ...actorOf(request), via: request.headers[GATEWAY_RELAY_HEADER] === undefined ? "gateway" : "relay" };
}

/** A profile's own role, checked before anything of it is served. */
function checkProfileRole(request: FastifyRequest, profile: string, required: TokenRole): void {
  const { principal } = request;
  if (principal && !roleAllows(principal.role, required)) {
    throw new AppError("FORBIDDEN", `The gateway profile "${profile}" needs the ${required} role; the token has the ${principal.role} role.`, {
      profile,
      required_role: required,
      role: principal.role,
    });
  }
}

function checkRole(request: FastifyRequest, gateway: Gateway): void {
  const { principal } = request;
  const guardedHere = (message: { params?: { name?: unknown } }) => gateway.ownTool(toolNameOf(message)) === undefined;
  if (principal && callsIn(request.body).some(guardedHere) && !roleAllows(principal.role, "operator")) {
    throw new AppError("FORBIDDEN", `Calling a tool needs the operator role; the token has the ${principal.role} role.`, {
      required_role: "operator",
      role: principal.role,
    });
  }
}

export interface GatewayEndpointOptions {
  clock: Clock;
  logger: Logger;
  /** `gateway.session_idle_timeout` and `gateway.max_sessions`, read at each use so that a reload applies. */
  limits: () => SessionLimits;
}

/** A session refused for want of room: the JSON-RPC error an MCP client shows, with the HTTP status of GATEWAY_SESSION_LIMIT. */
function sessionLimitReply(reply: FastifyReply, max: number, id: unknown): void {
  const { status } = ERROR_CATALOGUE.GATEWAY_SESSION_LIMIT;
  void reply.code(status).send({
    jsonrpc: "2.0",
    id: typeof id === "string" || typeof id === "number" ? id : null,
    error: {
      code: -32000,
      message: `The gateway has ${max} MCP sessions open, its limit (gateway.max_sessions); close one or try again later.`,
      data: { code: "GATEWAY_SESSION_LIMIT", max_sessions: max },
    },
  });
}

export function registerGatewayEndpoint(app: FastifyInstance, gateway: Gateway, auth: Authenticator, options: GatewayEndpointOptions): void {
  const tokenGuard = routeTokenGuard(auth, { role: "viewer" });
  const sessions = new GatewaySessions<McpHttpTransport | LegacySseTransport>(options.clock, options.limits, options.logger);
  /** The profile each /mcp session was opened on (undefined: /mcp itself). */
  const profileOf = new WeakMap<McpHttpTransport, string | undefined>();

  /** Hands the exchange to the transport, which writes the answer itself. */
  const serve = async (transport: McpHttpTransport, request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const { principal } = request;
    await transport.handleRequest(principal ? Object.assign(request.raw, { auth: callerAuthInfo(principal) }) : request.raw, reply.raw, request.body);
  };

  const openSession = async (request: FastifyRequest, reply: FastifyReply, profile: string | undefined) => {
    if (!(await sessions.hasRoom())) {
      sessionLimitReply(reply, options.limits().max, (request.body as { id?: unknown }).id);
      return;
    }
    const sessionId = randomUUID();
    const transport: McpHttpTransport = new McpHttpTransport({
      sessionIdGenerator: () => sessionId,
      onsessioninitialized: (id) => sessions.add(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    profileOf.set(transport, profile);
    await (await gateway.openServer({ session: true, profile, sessionId, caller: callerOf(request) })).connect(transport);
    await serve(transport, request, reply);
  };

  const serveStateless = async (request: FastifyRequest, reply: FastifyReply, profile: string | undefined) => {
    const transport = new McpHttpTransport();
    const server = await gateway.openServer({ session: false, profile, caller: callerOf(request) });
    reply.raw.on("close", () => void server.close());
    await server.connect(transport);
    await serve(transport, request, reply);
  };

  app.addHook("preClose", () => sessions.closeAll());

  // The JSON-RPC params carry tool arguments, which may hold secrets. Lists, reads and the
  // gateway's own read-only tools are audited like GETs; any other tool call always.
  const readOnly = (request: FastifyRequest) => callsIn(request.body).every((message) => gateway.ownTool(toolNameOf(message))?.readOnly === true);

  const handle = async (request: FastifyRequest, reply: FastifyReply, profile: string | undefined) => {
    const sessionId = request.headers[SESSION_HEADER];
    if (request.method === "POST" && request.body === undefined) {
      throw new AppError("VALIDATION_FAILED", "body: a JSON-RPC message is required", { issues: [{ field: "body", message: "is required" }] });
    }
    if (profile !== undefined) checkProfileRole(request, profile, gateway.profileRole(profile));
    checkRole(request, gateway);
    if (typeof sessionId === "string") {
      const transport = sessions.get(sessionId);
      if (!(transport instanceof McpHttpTransport) || profileOf.get(transport) !== profile) {
        throw new AppError("NOT_FOUND", "No MCP session of this endpoint has this id (it ended, was idle too long, or the daemon restarted); initialize a new one.");
      }
      reply.raw.once("close", sessions.use(sessionId));
      await serve(transport, request, reply);
      return;
    }
    if (request.method !== "POST") {
      const path = profile === undefined ? GATEWAY_PATH : profilePath(profile);
      throw new AppError("VALIDATION_FAILED", `${request.method} ${path} needs the Mcp-Session-Id header of an open session`, {
        issues: [{ field: SESSION_HEADER, message: "is required" }],
      });
    }
    if ((await loadServerSdk()).isInitializeRequest(request.body)) await openSession(request, reply, profile);
    else await serveStateless(request, reply, profile);
  };

  const config = {
    auditValuesHidden: ["params"],
    auditReadOnly: readOnly,
    // A tool call names the server and the tool it ran (`echo/echo`, as the REST call's target).
    auditTarget: (request: FastifyRequest) => {
      const targets = callsIn(request.body).map(({ params }) => {
        const name = typeof params?.name === "string" ? params.name : "";
        const target = gateway.toolTarget(name);
        return target ? `${target.serverId}/${target.name}` : name;
      });
      return targets.length > 0 ? targets.join(", ") : null;
    },
  };
  const protocol =
    "POST `initialize` opens a session (`Mcp-Session-Id`); GET opens its event stream " +
    "(list_changed notifications); DELETE ends it. A POST without a session is answered statelessly. " +
    "Viewer tokens may list and read; tools/call needs an operator token, except for the gateway's own `pygent__` tools, " +
    "each of which needs the role it declares (a refusal is a JSON-RPC error with data.code FORBIDDEN).";

  app.route({
    method: ["POST", "GET", "DELETE"],
    url: GATEWAY_PATH,
    config,
    schema: {
      tags: ["gateway"],
      summary: "The MCP endpoint (Streamable HTTP) for every running server",
      description:
        "Speak MCP here with any MCP client: tools and prompts are named `<server_id>__<name>` (`gateway.separator`), " +
        `resources keep their URIs. ${protocol}`,
    },
    onRequest: tokenGuard,
    handler: (request, reply) => handle(request, reply, undefined),
  });

  app.route<{ Params: { profile: string } }>({
    method: ["POST", "GET", "DELETE"],
    url: `${GATEWAY_PATH}/p/:profile`,
    config,
    schema: {
      tags: ["gateway"],
      summary: "The MCP endpoint of one gateway profile (`gateway.profiles`)",
      description:
        "As `/mcp`, serving only the profile's servers, tools, prompts and resources; a call or read outside it is refused. " +
        `404 names the known profiles; a profile's \`role\` is needed to connect. ${protocol}`,
    },
    onRequest: tokenGuard,
    handler: (request, reply) => handle(request, reply, request.params.profile),
  });

  app.get(LEGACY_SSE_PATH, {
    schema: {
      tags: ["gateway"],
      summary: "The legacy MCP transport (HTTP+SSE, protocol 2024-11-05): the session's event stream",
      description:
        "For MCP clients older than Streamable HTTP. Opens a session: the first event, `endpoint`, names " +
        `\`${LEGACY_MESSAGES_PATH}?sessionId=<id>\`, where the client POSTs its messages; answers come down this stream as \`message\` events. ` +
        "Same names, tokens and roles as /mcp.",
    },
    onRequest: tokenGuard,
    handler: async (request, reply) => {
      if (!(await sessions.hasRoom())) {
        throw new AppError("GATEWAY_SESSION_LIMIT", `The gateway has ${options.limits().max} MCP sessions open, its limit (gateway.max_sessions).`);
      }
      const sessionId = randomUUID();
      reply.hijack();
      const transport = new LegacySseTransport(sessionId, `${LEGACY_MESSAGES_PATH}?sessionId=${sessionId}`, reply.raw);
      transport.onclose = () => sessions.delete(sessionId);
      sessions.add(sessionId, transport);
      reply.raw.once("close", sessions.use(sessionId));
      await (await gateway.openServer({ session: true, caller: callerOf(request) })).connect(transport);
    },
  });

  app.post(LEGACY_MESSAGES_PATH, {
    config: { auditValuesHidden: ["params"], auditReadOnly: readOnly },
    schema: {
      tags: ["gateway"],
      summary: "The legacy MCP transport (HTTP+SSE): a client message for the session of ?sessionId",
      description: "202 Accepted; the answer comes down the session's /sse stream. An unknown session is 404 NOT_FOUND.",
    },
    onRequest: tokenGuard,
    handler: async (request, reply) => {
      const { sessionId } = request.query as { sessionId?: unknown };
      if (typeof sessionId !== "string" || sessionId === "") {
        throw new AppError("VALIDATION_FAILED", "sessionId: the query parameter naming the /sse session is required", {
          issues: [{ field: "sessionId", message: "is required" }],
        });
      }
      const transport = sessions.get(sessionId);
      if (!(transport instanceof LegacySseTransport)) {
        throw new AppError("NOT_FOUND", "No /sse session has this id (its stream closed or the daemon restarted); open a new one.");
      }
      checkRole(request, gateway);
      const { parseJSONRPCMessage } = await loadServerSdk();
      const body: unknown = request.body;
      let messages;
      try {
        messages = (Array.isArray(body) ? body : [body]).map((message: unknown) => parseJSONRPCMessage(message));
      } catch {
        throw new AppError("VALIDATION_FAILED", "body: not a JSON-RPC 2.0 message", { issues: [{ field: "body", message: "is not a JSON-RPC 2.0 message" }] });
      }
      const done = sessions.use(sessionId);
      try {
        const authInfo = request.principal ? callerAuthInfo(request.principal) : undefined;
        for (const message of messages) transport.receive(message, authInfo);
      } finally {
        done();
      }
      return reply.code(202).send("Accepted");
    },
  });
}

export interface GatewayRoutesOptions {
  gateway: Gateway;
}

export const gatewayRoutes: FastifyPluginAsync<GatewayRoutesOptions> = async (plugin, { gateway }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/gateway",
    {
      schema: {
        tags: ["gateway"],
        summary: "The MCP gateway: open sessions, what it serves, calls made through it",
        response: { 200: GatewayStatusSchema, ...errorResponses(401, 403) },
      },
    },
    async () => gateway.status(),
  );
};
