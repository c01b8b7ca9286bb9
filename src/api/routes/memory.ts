/**
 * `/api/v1/memory/{agentId}`: the memory browser over the Memory Manager: an agent's items by
 * kind (paged) with its working memory, a fact added by hand, a recall as the agent would make
 * it, the working-memory document replaced, and the whole memory forgotten. Schemas are the
 * memory domain's own.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import {
  AgentIdParamsSchema,
  MemoryItemSchema,
  MemoryPageQuerySchema,
  MemoryPageSchema,
  NewFactSchema,
  RecallQuerySchema,
  RecallResponseSchema,
  WorkingMemorySchema,
  type MemoryManager,
} from "../../memory/index.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export interface MemoryRoutesOptions {
  memory: MemoryManager;
}

export const memoryRoutes: FastifyPluginAsync<MemoryRoutesOptions> = async (plugin, { memory }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/memory/:agentId",
    {
      schema: {
        tags: ["memory"],
        summary: "An agent's memory items, newest first (optionally of one kind), with counts by kind and its working memory",
        params: AgentIdParamsSchema,
        querystring: MemoryPageQuerySchema,
        response: { 200: MemoryPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => memory.page(request.params.agentId, request.query),
  );
  app.post(
    "/memory/:agentId/facts",
    {
      config: { role: "operator" },
      schema: {
        tags: ["memory"],
        summary: "Add a long-term fact to an agent's memory",
        params: AgentIdParamsSchema,
        body: NewFactSchema,
        response: { 201: MemoryItemSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await memory.addFact(request.params.agentId, request.body.content, request.body.importance)),
  );
  app.get(
    "/memory/:agentId/recall",
    {
      config: { role: "operator" },
      schema: {
        tags: ["memory"],
        summary: "Recall as the agent would: facts and episodes by similarity × importance × recency (counts as a recall)",
        params: AgentIdParamsSchema,
        querystring: RecallQuerySchema,
        response: { 200: RecallResponseSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      agent_id: request.params.agentId,
      results: await memory.recall(request.params.agentId, request.query.q, request.query.limit),
    }),
  );
  app.put(
    "/memory/:agentId/working",
    {
      config: { role: "operator" },
      schema: {
        tags: ["memory"],
        summary: "Replace an agent's working-memory document",
        params: AgentIdParamsSchema,
        body: WorkingMemorySchema,
        response: { 200: z.object({ content: z.string(), updated_at: z.number() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => memory.setWorkingMemory(request.params.agentId, request.body.content),
  );
  app.delete(
    "/memory/:agentId",
    {
      config: { role: "operator" },
      schema: {
        tags: ["memory"],
        summary: "Forget everything an agent remembers",
        params: AgentIdParamsSchema,
        response: { 204: { type: "null", description: "Forgotten" }, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await memory.forget(request.params.agentId);
      return reply.code(204).send();
    },
  );
};
