/**
 * The gateway on HTTP: `/mcp`, one MCP endpoint (Streamable HTTP) for every running server, and
 * GET /api/v1/gateway, its status. A POST of `initialize` opens a session (Mcp-Session-Id), which
 * later POSTs, the GET event stream and DELETE name; a POST of anything else without a session is
 * served statelessly. `/mcp/p/<profile>` serves a profile's subset the same way; a session belongs
 * to the endpoint that opened it. The SDK's Node transport answers on the raw request and response.
 * Host and Origin are checked by the app's guard, the body limit by its parser, and tokens as for
 * /api: a viewer may list and read, tools/call needs an operator, and a profile may ask more.
 */
import { randomUUID } from "node:crypto";
import type { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import { GATEWAY_CALL_METHODS, GATEWAY_PATH, GatewayStatusSchema, loadServerSdk, profilePath, type Gateway } from "../../gateway/index.js";
import type { TokenRole } from "../../store/tokens-repository.js";
import type { Authenticator } from "../auth/auth-guard.js";
import { routeTokenGuard } from "../auth/route-token-guard.js";
import { roleAllows } from "../auth/token-service.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

const SESSION_HEADER = "mcp-session-id";

type HttpTransport = typeof import("@modelcontextprotocol/node");
let httpTransport: Promise<HttpTransport> | undefined;

/** The SDK's HTTP transport loads with the first request to /mcp, never at the daemon's start. */
function loadHttpTransport(): Promise<HttpTransport> {
  httpTransport ??= import("@modelcontextprotocol/node");
  return httpTransport;
}

/** Whether the POSTed message (or batch) asks to run something. */
function asksToCall(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (message) =>
      typeof message === "object" && message !== null && "id" in message && GATEWAY_CALL_METHODS.has(String((message as { method?: unknown }).method)),
  );
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

function checkRole(request: FastifyRequest): void {
  const { principal } = request;
  if (principal && asksToCall(request.body) && !roleAllows(principal.role, "operator")) {
    throw new AppError("FORBIDDEN", `Calling a tool needs the operator role; the token has the ${principal.role} role.`, {
      required_role: "operator",
      role: principal.role,
    });
  }
}

export function registerGatewayEndpoint(app: FastifyInstance, gateway: Gateway, auth: Authenticator): void {
  const tokenGuard = routeTokenGuard(auth, { role: "viewer" });
  const sessions = new Map<string, { transport: NodeStreamableHTTPServerTransport; profile: string | undefined }>();

  /** Hands the exchange to the transport, which writes the answer itself. */
  const serve = async (transport: NodeStreamableHTTPServerTransport, request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
  };

  const openSession = async (request: FastifyRequest, reply: FastifyReply, profile: string | undefined) => {
    const { NodeStreamableHTTPServerTransport } = await loadHttpTransport();
    const sessionId = randomUUID();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => sessionId,
      onsessioninitialized: (id) => void sessions.set(id, { transport, profile }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await (await gateway.openServer({ session: true, profile, sessionId })).connect(transport);
    await serve(transport, request, reply);
  };

  const serveStateless = async (request: FastifyRequest, reply: FastifyReply, profile: string | undefined) => {
    const { NodeStreamableHTTPServerTransport } = await loadHttpTransport();
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const server = await gateway.openServer({ session: false, profile });
    reply.raw.on("close", () => void server.close());
    await server.connect(transport);
    await serve(transport, request, reply);
  };

  app.addHook("preClose", async () => {
    await Promise.all([...sessions.values()].map(({ transport }) => transport.close()));
    sessions.clear();
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, profile: string | undefined) => {
    const sessionId = request.headers[SESSION_HEADER];
    if (request.method === "POST" && request.body === undefined) {
      throw new AppError("VALIDATION_FAILED", "body: a JSON-RPC message is required", { issues: [{ field: "body", message: "is required" }] });
    }
    if (profile !== undefined) checkProfileRole(request, profile, gateway.profileRole(profile));
    checkRole(request);
    if (typeof sessionId === "string") {
      const open = sessions.get(sessionId);
      if (!open || open.profile !== profile) {
        throw new AppError("NOT_FOUND", "No MCP session of this endpoint has this id (it ended or the daemon restarted); initialize a new one.");
      }
      await serve(open.transport, request, reply);
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

  // The JSON-RPC params carry tool arguments, which may hold secrets. Lists and reads are
  // audited like GETs; a tool call always.
  const config = { auditValuesHidden: ["params"], auditReadOnly: (request: FastifyRequest) => !asksToCall(request.body) };
  const protocol =
    "POST `initialize` opens a session (`Mcp-Session-Id`); GET opens its event stream " +
    "(list_changed notifications); DELETE ends it. A POST without a session is answered statelessly. " +
    "Viewer tokens may list and read; tools/call needs an operator token.";

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
