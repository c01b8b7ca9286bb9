/**
 * /api/v1/evolution: evolution runs of agent templates and retrieval settings. POST starts a run
 * (it goes on in the background; its generations arrive on /ws as `evolution_generation`), GET
 * lists runs and reads one with its best genome, `/lineage` gives every candidate with its
 * parents and per-task scores, `/abort` stops one. Reading needs a viewer token, starting and
 * aborting an operator's.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { EvolutionRunBodySchema, GenomeSchema, type EvolutionService } from "../../agents/evolution/index.js";
import { AppError } from "../../core/errors.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

const tags = ["evolution"];

export const EvolutionRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  state: z.enum(["running", "finished", "failed", "aborted"]),
  settings: z.unknown().describe("The run's settings, gene space and seed genome"),
  tasks: z.unknown(),
  best_candidate: z.string().nullable(),
  best_score: z.number().nullable().describe("The best candidate's mean score over the tasks, in [0, 1]"),
  generations: z.number().int(),
  evaluations: z.number().int().describe("Task evaluations spent (candidate × task)"),
  stop_reason: z.string().nullable().describe("perfect, generations, budget, stagnation or aborted"),
  error: z.string().nullable(),
  started_at: z.number(),
  finished_at: z.number().nullable(),
});
export const EvolutionRunViewSchema = EvolutionRunSchema.extend({ best_genome: GenomeSchema.nullable() });
export const EvolutionCandidateSchema = z.object({
  id: z.string(),
  generation: z.number().int(),
  origin: z.string().describe("seed, mutation, crossover or elite"),
  parents: z.array(z.string()),
  genome: z.unknown(),
  scores: z.record(z.string(), z.number()),
  mean: z.number(),
});
const RunParamsSchema = z.object({ id: z.string().min(1).max(100) });
const ListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export const evolutionRoutes: FastifyPluginAsync<{ evolution: EvolutionService }> = async (plugin, { evolution }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  app.post(
    "/evolution/runs",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Start an evolution run",
        description:
          "`kind: retrieval` evolves the retrieval settings (mode, limit, rrf_k) against labelled queries " +
          "(`tasks: [{q, relevant: [document name...], id?, k?}]`, the format of test/fixtures/rag-corpus/queries.json), scored by recall@k, with no model. `kind: agent` evolves " +
          "an agent's instructions, tools, temperature and step limit (`agent_id`, `tasks: [{id, prompt, scorer}]`). " +
          "The answer comes at once; the run goes on in the background.",
        body: EvolutionRunBodySchema,
        response: { 202: EvolutionRunViewSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(202).send(await evolution.submit(request.body)),
  );

  app.get(
    "/evolution/runs",
    { schema: { tags, summary: "Evolution runs, newest first", querystring: ListQuerySchema, response: { 200: z.object({ runs: z.array(EvolutionRunSchema) }), ...errorResponses(400, 401) } } },
    async (request) => ({ runs: await evolution.list(request.query.limit) }),
  );

  app.get(
    "/evolution/runs/:id",
    { schema: { tags, summary: "One evolution run and its best genome", params: RunParamsSchema, response: { 200: EvolutionRunViewSchema, ...errorResponses(401, 404) } } },
    async (request) => evolution.get(request.params.id),
  );

  app.get(
    "/evolution/runs/:id/lineage",
    {
      schema: {
        tags,
        summary: "Every candidate of a run by generation, with its parents and per-task scores",
        params: RunParamsSchema,
        response: { 200: z.object({ candidates: z.array(EvolutionCandidateSchema) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => ({ candidates: await evolution.lineage(request.params.id) }),
  );

  app.post(
    "/evolution/runs/:id/abort",
    {
      config: { role: "operator" },
      schema: { tags, summary: "Stop a run in progress", params: RunParamsSchema, response: { 200: EvolutionRunViewSchema, ...errorResponses(401, 403, 404, 409) } },
    },
    async (request) => {
      const run = await evolution.get(request.params.id);
      if (!evolution.abort(run.id)) throw new AppError("RUN_NOT_RUNNING", `evolution run "${run.id}" is not running (it is ${run.state})`);
      return evolution.wait(run.id);
    },
  );
};
