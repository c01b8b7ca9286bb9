/**
 * `/api/v1/rag`: the Retrieval System's documents (ingest from a path, a URL or inline text; list;
 * remove), its search (POST with a body, or GET with `q`) and the re-index that moves the index
 * to the daemon's embedder. Schemas are the retrieval domain's own.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import {
  IngestRequestSchema,
  IngestResultSchema,
  RagDocumentSchema,
  ReindexResultSchema,
  SearchRequestSchema,
  SearchResponseSchema,
  type RagService,
} from "../../rag/index.js";
import { untilHangUp } from "../hang-up.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export interface RagRoutesOptions {
  rag: RagService;
}

/** An ingest body carries the document itself; room for rag.max_document_bytes' upper bound in JSON. */
const INGEST_BODY_LIMIT = 64 * 1024 * 1024;

const DocumentIdParamsSchema = z.object({ id: z.string().min(1).max(64) }).strict();

export const ragRoutes: FastifyPluginAsync<RagRoutesOptions> = async (plugin, { rag }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  app.post(
    "/rag/documents",
    {
      bodyLimit: INGEST_BODY_LIMIT,
      config: { role: "operator" },
      schema: {
        tags: ["rag"],
        summary: "Ingest a document from a path inside rag.roots, a URL, or inline text with a name; one of the same source is replaced",
        body: IngestRequestSchema,
        response: { 201: IngestResultSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 502) },
      },
    },
    async (request, reply) => {
      // A client that hangs up stops the embedding of a large document.
      const result = await untilHangUp(reply, (signal) => rag.ingest(request.body, signal));
      return reply.code(201).send(result);
    },
  );
  app.get(
    "/rag/documents",
    {
      schema: {
        tags: ["rag"],
        summary: "The documents in the retrieval index, newest first",
        response: { 200: z.object({ documents: z.array(RagDocumentSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ documents: await rag.list() }),
  );
  app.delete(
    "/rag/documents/:id",
    {
      config: { role: "operator" },
      schema: {
        tags: ["rag"],
        summary: "Remove a document and its chunks from the retrieval index",
        params: DocumentIdParamsSchema,
        response: { 204: { type: "null", description: "Removed" }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await rag.remove(request.params.id);
      return reply.code(204).send();
    },
  );
  const searchSchema = {
    tags: ["rag"],
    summary: "Search the retrieval index by BM25, by vector or by both fused (reciprocal rank, k = 60); each hit has both ranks and the fused score",
    response: { 200: SearchResponseSchema, ...errorResponses(400, 401, 403, 409) },
  };
  app.post("/rag/search", { config: { role: "viewer" }, schema: { ...searchSchema, body: SearchRequestSchema } }, async (request) =>
    rag.search(request.body),
  );
  app.get("/rag/search", { schema: { ...searchSchema, querystring: SearchRequestSchema } }, async (request) => rag.search(request.query));
  app.post(
    "/rag/reindex",
    {
      config: { role: "operator" },
      schema: {
        tags: ["rag"],
        summary: "Embed every chunk again with the daemon's embedder, lifting EMBEDDER_MISMATCH",
        response: { 200: ReindexResultSchema, ...errorResponses(401, 403) },
      },
    },
    async () => rag.reindex(),
  );
};
