/**
 * /api/v1/mcp/servers: registering, changing, starting and inspecting MCP servers. Handlers only
 * parse (schemas do that), call the McpManager, and shape the answer.
 */
import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../core/errors.js";
import type { McpManager } from "../../mcp/manager-types.js";
import { actorOf } from "../audit-hook.js";
import { untilHangUp } from "../hang-up.js";
import { errorResponses, limitQuerySchema, ServerIdParamsSchema } from "../schemas/common.js";
import {
  CapabilitySnapshotSchema,
  EventsResponseSchema,
  LogsResponseSchema,
  NewServerBodySchema,
  ServerListSchema,
  ServerPatchBodySchema,
  ServerViewSchema,
  ToolCallBodySchema,
  ToolCallParamsSchema,
  ToolCallResultSchema,
} from "../schemas/servers.js";
import type { ZodTypeProvider } from "../validation.js";

export interface ServerRoutesOptions {
  manager: McpManager;
}

const tags = ["servers"];

export const serverRoutes: FastifyPluginAsync<ServerRoutesOptions> = async (plugin, { manager }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/mcp/servers",
    { schema: { tags, summary: "List servers", response: { 200: ServerListSchema, ...errorResponses(401, 403) } } },
    async () => ({ servers: manager.list() }),
  );

  app.post(
    "/mcp/servers",
    {
      schema: {
        tags,
        summary: "Register a server",
        description: "A server entry as in the config file (`id` required) and an optional `start` (default true).",
        body: NewServerBodySchema,
        response: { 201: ServerViewSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { id, entry, start } = request.body;
      const view = await manager.registerServer(id, entry, start === undefined ? {} : { start });
      return reply.code(201).send(view);
    },
  );

  app.get(
    "/mcp/servers/:id",
    {
      schema: {
        tags,
        summary: "Get a server",
        params: ServerIdParamsSchema,
        response: { 200: ServerViewSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => manager.get(request.params.id),
  );

  app.patch(
    "/mcp/servers/:id",
    {
      schema: {
        tags,
        summary: "Change a server registered through the API",
        params: ServerIdParamsSchema,
        body: ServerPatchBodySchema,
        response: { 200: ServerViewSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => manager.updateServer(request.params.id, request.body),
  );

  app.delete(
    "/mcp/servers/:id",
    {
      schema: {
        tags,
        summary: "Remove a server",
        params: ServerIdParamsSchema,
        response: { 204: { type: "null", description: "Removed" }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await manager.removeServer(request.params.id);
      return reply.code(204).send();
    },
  );

  const lifecycle = [
    ["start", "Start a server", (id: string) => manager.startServer(id)],
    ["stop", "Stop a server", (id: string) => manager.stopServer(id)],
    ["restart", "Restart a server", (id: string) => manager.restartServer(id)],
  ] as const;
  for (const [action, summary, run] of lifecycle) {
    app.post(
      `/mcp/servers/:id/${action}`,
      {
        config: { role: "operator" },
        schema: {
          tags,
          summary,
          params: ServerIdParamsSchema,
          response: { 200: ServerViewSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => run(request.params.id),
    );
  }

  app.get(
    "/mcp/servers/:id/logs",
    {
      schema: {
        tags,
        summary: "Recent output of a server (stderr, stdout, daemon notes)",
        params: ServerIdParamsSchema,
        querystring: limitQuerySchema(200),
        response: { 200: LogsResponseSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return { server_id: id, lines: manager.logs(id, request.query.limit) };
    },
  );

  app.get(
    "/mcp/servers/:id/events",
    {
      schema: {
        tags,
        summary: "Lifecycle history of a server, newest first",
        params: ServerIdParamsSchema,
        querystring: limitQuerySchema(100),
        response: { 200: EventsResponseSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return { server_id: id, events: await manager.events(id, request.query.limit) };
    },
  );

  app.get(
    "/mcp/servers/:id/capabilities",
    {
      schema: {
        tags,
        summary: "What the server reported after initialize, and its tools, resources and prompts",
        params: ServerIdParamsSchema,
        response: { 200: CapabilitySnapshotSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const snapshot = manager.capabilities(request.params.id);
      if (!snapshot) throw new AppError("SERVER_NOT_RUNNING", "The server has not been initialized yet; its capabilities are unknown.");
      return snapshot;
    },
  );

  app.post(
    "/mcp/servers/:id/tools/:name/call",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Call a tool of a running server",
        params: ToolCallParamsSchema,
        body: ToolCallBodySchema,
        response: { 200: ToolCallResultSchema, ...errorResponses(400, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (request, reply) => {
      // A client that hangs up before the answer cancels the call on the server too.
      return untilHangUp(reply, (signal) =>
        manager.callTool(request.params.id, request.params.name, request.body.arguments, {
          signal,
          caller: { ...actorOf(request), via: "rest" },
        }),
      );
    },
  );
};
