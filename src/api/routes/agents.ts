/**
 * /api/v1/agents: the Agent Factory's templates, agents (create from a template, list, get, start,
 * stop, delete) and their runs (run a task, list runs, a run with its steps). Viewers read;
 * operators create, run, start, stop and delete. The shapes are the agents domain's.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import {
  AgentViewSchema,
  CreateAgentBodySchema,
  RunBodySchema,
  RunDetailSchema,
  RunViewSchema,
  TemplateViewSchema,
  type AgentFactory,
} from "../../agents/index.js";
import { errorResponses, limitQuerySchema } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export interface AgentRoutesOptions {
  agents: AgentFactory;
}

const tags = ["agents"];

const IdSchema = z.string().min(1, "must not be empty").max(64, "must be at most 64 characters");
const AgentParamsSchema = z.object({ id: IdSchema.meta({ description: "Agent id" }) });
const RunParamsSchema = AgentParamsSchema.extend({ run_id: IdSchema.meta({ description: "Run id" }) });

export const agentRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (plugin, { agents }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/agents/templates",
    {
      schema: {
        tags,
        summary: "The agent templates (reasoning, research, coding, general) and their settings",
        response: { 200: z.object({ templates: z.array(TemplateViewSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ templates: agents.templates() }),
  );

  app.get(
    "/agents",
    {
      schema: { tags, summary: "List agents", response: { 200: z.object({ agents: z.array(AgentViewSchema) }), ...errorResponses(401, 403) } },
    },
    async () => ({ agents: await agents.list() }),
  );

  app.post(
    "/agents",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Create an agent from a template, started unless `start` is false",
        body: CreateAgentBodySchema,
        response: { 201: AgentViewSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await agents.create(request.body)),
  );

  app.get(
    "/agents/:id",
    {
      schema: { tags, summary: "An agent", params: AgentParamsSchema, response: { 200: AgentViewSchema, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => agents.get(request.params.id),
  );

  app.delete(
    "/agents/:id",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Delete an agent with its runs (a run under way is cancelled first)",
        params: AgentParamsSchema,
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await agents.remove(request.params.id);
      return reply.code(204).send();
    },
  );

  const lifecycle = [
    ["start", "Start an agent: it takes tasks (idle)", (id: string) => agents.start(id)],
    ["stop", "Stop an agent: a run under way is cancelled; it takes no tasks until started", (id: string) => agents.stop(id)],
  ] as const;
  for (const [action, summary, act] of lifecycle) {
    app.post(
      `/agents/:id/${action}`,
      {
        config: { role: "operator" },
        schema: { tags, summary, params: AgentParamsSchema, response: { 200: AgentViewSchema, ...errorResponses(400, 401, 403, 404, 409) } },
      },
      async (request) => act(request.params.id),
    );
  }

  app.post(
    "/agents/:id/runs",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Run a task: the run with its steps once it has ended, or at once with `wait: false` (202)",
        params: AgentParamsSchema,
        body: RunBodySchema,
        response: { 200: RunDetailSchema, 202: RunDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const run = await agents.run(request.params.id, request.body.task, { wait: request.body.wait });
      return reply.code(request.body.wait ? 200 : 202).send(run);
    },
  );

  app.get(
    "/agents/:id/runs",
    {
      schema: {
        tags,
        summary: "An agent's runs, newest first",
        params: AgentParamsSchema,
        querystring: limitQuerySchema(50),
        response: { 200: z.object({ runs: z.array(RunViewSchema) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ runs: await agents.runs(request.params.id, request.query.limit) }),
  );

  app.get(
    "/agents/:id/runs/:run_id",
    {
      schema: {
        tags,
        summary: "A run with its steps: the model's answers, tool calls with arguments, results, latency and tokens",
        params: RunParamsSchema,
        response: { 200: RunDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => agents.runDetail(request.params.id, request.params.run_id),
  );
};
