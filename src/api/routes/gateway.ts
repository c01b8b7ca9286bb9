/**
 * The gateway on HTTP: `/mcp`, one MCP endpoint (Streamable HTTP) for every running server, and
 * GET /api/v1/gateway, its status. A POST of `initialize` opens a session (Mcp-Session-Id), which
 * later POSTs, the GET event stream and DELETE name; a POST of anything else without a session is
 * served statelessly. The SDK's Node transport answers on the raw request and response. Host and
 * Origin are checked by the app's guard, the body limit by its parser, and tokens as for /api:
 * a viewer may list and read, tools/call needs an operator.
 */
import { randomUUID } from "node:crypto";
import type { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import {
  GATEWAY_CALL_METHODS,
  GATEWAY_PATH,
  GATEWAY_RELAY_HEADER,
  GatewayStatusSchema,
  loadServerSdk,
  type Gateway,
  type GatewayCaller,
} from "../../gateway/index.js";
import { actorOf } from "../audit-hook.js";
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

/** The requests in the POSTed message (or batch) that ask to run something. */
function callsIn(body: unknown): { params?: { name?: unknown } }[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter(
    (message): message is { params?: { name?: unknown } } =>
      typeof message === "object" && message !== null && "id" in message && GATEWAY_CALL_METHODS.has(String((message as { method?: unknown }).method)),
  );
}

function asksToCall(body: unknown): boolean {
  return callsIn(body).length > 0;
}

/** Who sends this request: its token, and whether it comes through `pygent mcp`. */
function callerOf(request: FastifyRequest): GatewayCaller {
  return { ...actorOf(request), via: request.headers[GATEWAY_RELAY_HEADER] === undefined ? "gateway" : "relay" };
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
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

  /** Hands the exchange to the transport, which writes the answer itself. */
  const serve = async (transport: NodeStreamableHTTPServerTransport, request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
  };

  const openSession = async (request: FastifyRequest, reply: FastifyReply) => {
    const { NodeStreamableHTTPServerTransport } = await loadHttpTransport();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await (await gateway.openServer({ session: true, caller: callerOf(request) })).connect(transport);
    await serve(transport, request, reply);
  };

  const serveStateless = async (request: FastifyRequest, reply: FastifyReply) => {
    const { NodeStreamableHTTPServerTransport } = await loadHttpTransport();
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const server = await gateway.openServer({ session: false, caller: callerOf(request) });
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
    // The JSON-RPC params carry tool arguments, which may hold secrets. Lists and reads are
    // audited like GETs; a tool call always.
    config: {
      auditValuesHidden: ["params"],
      auditReadOnly: (request) => !asksToCall(request.body),
      // A tool call names the server and the tool it ran (`echo/echo`, as the REST call's target).
      auditTarget: (request) => {
        const targets = callsIn(request.body).map(({ params }) => {
          const name = typeof params?.name === "string" ? params.name : "";
          const target = gateway.toolTarget(name);
          return target ? `${target.serverId}/${target.name}` : name;
        });
        return targets.length > 0 ? targets.join(", ") : null;
      },
    },
    schema: {
      tags: ["gateway"],
      summary: "The MCP endpoint (Streamable HTTP) for every running server",
      description:
        "Speak MCP here with any MCP client: tools and prompts are named `<server_id>__<name>` (`gateway.separator`), " +
        "resources keep their URIs. POST `initialize` opens a session (`Mcp-Session-Id`); GET opens its event stream " +
        "(list_changed notifications); DELETE ends it. A POST without a session is answered statelessly. " +
        "Viewer tokens may list and read; tools/call needs an operator token.",
    },
    onRequest: tokenGuard,
    handler: async (request, reply) => {
      const sessionId = request.headers[SESSION_HEADER];
      if (request.method === "POST" && request.body === undefined) {
        throw new AppError("VALIDATION_FAILED", "body: a JSON-RPC message is required", { issues: [{ field: "body", message: "is required" }] });
      }
      checkRole(request);
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
