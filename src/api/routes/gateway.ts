/**
 * The gateway on HTTP: `/mcp`, one MCP endpoint (Streamable HTTP) for every running server, and
 * GET /api/v1/gateway, its status. A POST of `initialize` opens a session (Mcp-Session-Id), which
 * later POSTs, the GET event stream and DELETE name; a POST of anything else without a session is
 * served statelessly. The transport (`../mcp-http-transport.ts`) answers on the raw request and
 * response. Host and Origin are checked by the app's guard, the body limit by its parser, and
 * tokens as for /api: a viewer may list and read, tools/call needs an operator, except for the
 * gateway's own tools, which check the caller's role (handed to the SDK as the request's auth
 * info) themselves.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import { callerAuthInfo, GATEWAY_CALL_METHODS, GATEWAY_PATH, GatewayStatusSchema, loadServerSdk, type Gateway } from "../../gateway/index.js";
import type { Authenticator } from "../auth/auth-guard.js";
import { routeTokenGuard } from "../auth/route-token-guard.js";
import { roleAllows } from "../auth/token-service.js";
import { McpHttpTransport } from "../mcp-http-transport.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

const SESSION_HEADER = "mcp-session-id";

/** The POSTed messages (or batch) that ask to run something. */
function callsIn(body: unknown): object[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter(
    (message): message is object =>
      typeof message === "object" && message !== null && "id" in message && GATEWAY_CALL_METHODS.has(String((message as { method?: unknown }).method)),
  );
}

function toolNameOf(message: object): string {
  return String((message as { params?: { name?: unknown } }).params?.name);
}

function checkRole(request: FastifyRequest, gateway: Gateway): void {
  const { principal } = request;
  const guardedHere = (message: object) => gateway.ownTool(toolNameOf(message)) === undefined;
  if (principal && callsIn(request.body).some(guardedHere) && !roleAllows(principal.role, "operator")) {
    throw new AppError("FORBIDDEN", `Calling a tool needs the operator role; the token has the ${principal.role} role.`, {
      required_role: "operator",
      role: principal.role,
    });
  }
}

export function registerGatewayEndpoint(app: FastifyInstance, gateway: Gateway, auth: Authenticator): void {
  const tokenGuard = routeTokenGuard(auth, { role: "viewer" });
  const sessions = new Map<string, McpHttpTransport>();

  /** Hands the exchange to the transport, which writes the answer itself. */
  const serve = async (transport: McpHttpTransport, request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const { principal } = request;
    await transport.handleRequest(principal ? Object.assign(request.raw, { auth: callerAuthInfo(principal) }) : request.raw, reply.raw, request.body);
  };

  const openSession = async (request: FastifyRequest, reply: FastifyReply) => {
    const transport: McpHttpTransport = new McpHttpTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await (await gateway.openServer({ session: true })).connect(transport);
    await serve(transport, request, reply);
  };

  const serveStateless = async (request: FastifyRequest, reply: FastifyReply) => {
    const transport = new McpHttpTransport();
    const server = await gateway.openServer({ session: false });
    reply.raw.on("close", () => void server.close());
    await server.connect(transport);
    await serve(transport, request, reply);
  };

  app.addHook("preClose", async () => {
    await Promise.all([...sessions.values()].map((transport) => transport.close()));
    sessions.clear();
  });

  app.route({
    method: ["POST", "GET", "DELETE"],
    url: GATEWAY_PATH,
    // The JSON-RPC params carry tool arguments, which may hold secrets. Lists, reads and the
    // gateway's own read-only tools are audited like GETs; any other tool call always.
    config: {
      auditValuesHidden: ["params"],
      auditReadOnly: (request) => callsIn(request.body).every((message) => gateway.ownTool(toolNameOf(message))?.readOnly === true),
    },
    schema: {
      tags: ["gateway"],
      summary: "The MCP endpoint (Streamable HTTP) for every running server",
      description:
        "Speak MCP here with any MCP client: tools and prompts are named `<server_id>__<name>` (`gateway.separator`), " +
        "resources keep their URIs. POST `initialize` opens a session (`Mcp-Session-Id`); GET opens its event stream " +
        "(list_changed notifications); DELETE ends it. A POST without a session is answered statelessly. " +
        "Viewer tokens may list and read; tools/call needs an operator token, except for the gateway's own `pygent__` tools, " +
        "each of which needs the role it declares (a refusal is a JSON-RPC error with data.code FORBIDDEN).",
    },
    onRequest: tokenGuard,
    handler: async (request, reply) => {
      const sessionId = request.headers[SESSION_HEADER];
      if (request.method === "POST" && request.body === undefined) {
        throw new AppError("VALIDATION_FAILED", "body: a JSON-RPC message is required", { issues: [{ field: "body", message: "is required" }] });
      }
      checkRole(request, gateway);
      if (typeof sessionId === "string") {
        const transport = sessions.get(sessionId);
        if (!transport) throw new AppError("NOT_FOUND", "No MCP session has this id (it ended or the daemon restarted); initialize a new one.");
        await serve(transport, request, reply);
        return;
      }
      if (request.method !== "POST") {
        throw new AppError("VALIDATION_FAILED", `${request.method} ${GATEWAY_PATH} needs the Mcp-Session-Id header of an open session`, {
          issues: [{ field: SESSION_HEADER, message: "is required" }],
        });
      }
      if ((await loadServerSdk()).isInitializeRequest(request.body)) await openSession(request, reply);
      else await serveStateless(request, reply);
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
