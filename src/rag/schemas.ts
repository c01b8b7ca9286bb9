/**
 * The retrieval system's wire shapes, owned here and carried by the API and the gateway's
 * tools: what an ingest asks for, what a search asks for and answers, a document as listed.
 */
import { z } from "zod";
import { DEFAULT_SEARCH_LIMIT, DEFAULT_SEARCH_MODE, RRF_K, SEARCH_MODES } from "./search-defaults.js";

export { DEFAULT_SEARCH_LIMIT, DEFAULT_SEARCH_MODE, RRF_K, SEARCH_MODES, type SearchMode } from "./search-defaults.js";
export const SearchModeSchema = z.enum(SEARCH_MODES);

export const RagFormatSchema = z.enum(["text", "markdown", "html"]);

export const IngestRequestSchema = z
  .object({
    path: z.string().min(1, "must not be empty").max(4096).optional().describe("An absolute path inside one of rag.roots on the daemon's machine"),
    url: z.string().min(1, "must not be empty").max(2048).optional().describe("An http(s) URL the network policy allows"),
    text: z.string().min(1, "must not be empty").optional().describe("The document itself; needs a name"),
    name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
    format: RagFormatSchema.optional().describe("How to read the text; by default from the name, the file's extension or the Content-Type"),
  })
  .strict()
  .superRefine((body, ctx) => {
    const given = (["path", "url", "text"] as const).filter((key) => body[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: given.length === 0 ? ["path"] : [given[1]!],
        message: given.length === 0 ? "give one of path, url or text" : `give one of path, url or text, not ${given.join(" and ")}`,
      });
    }
    if (body.text !== undefined && body.name === undefined) {
      ctx.addIssue({ code: "custom", path: ["name"], message: "is required with text" });
    }
    if (body.url !== undefined && !URL.canParse(body.url)) {
      ctx.addIssue({ code: "custom", path: ["url"], message: "must be an absolute URL" });
    }
  });
export type IngestRequest = z.infer<typeof IngestRequestSchema>;

export const SearchRequestSchema = z
  .object({
    q: z.string().trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters"),
    mode: SearchModeSchema.default(DEFAULT_SEARCH_MODE),
    limit: z.coerce.number().int().min(1).max(50).default(DEFAULT_SEARCH_LIMIT),
    /** Reciprocal rank fusion's k for hybrid mode: larger flattens the fused ranking (evolution tunes it). */
    rrf_k: z.coerce.number().int().min(1).max(500).default(RRF_K),
  })
  .strict();
export type SearchRequest = z.input<typeof SearchRequestSchema>;

export const RagDocumentSchema = z.object({
  id: z.string(),
  name: z.string(),
  source: z.string(),
  source_kind: z.enum(["path", "url", "text"]),
  format: RagFormatSchema,
  title: z.string().nullable(),
  bytes: z.number(),
  chunk_count: z.number(),
  ingested_at: z.number(),
});
export type RagDocument = z.infer<typeof RagDocumentSchema>;

export const IngestResultSchema = z.object({
  document: RagDocumentSchema,
  replaced: z.string().nullable().describe("The id of the document of the same source this one replaced"),
});
export type IngestResult = z.infer<typeof IngestResultSchema>;

export const SearchHitSchema = z.object({
  chunk_id: z.number(),
  document_id: z.string(),
  document_name: z.string(),
  source: z.string(),
  heading: z.string(),
  text: z.string(),
  position: z.number(),
  score: z.number().describe("The mode's own score: BM25 (higher is better), cosine similarity, or the fused score"),
  bm25_rank: z.number().nullable().describe("1-based rank among BM25 hits; null when not among them"),
  vector_rank: z.number().nullable().describe("1-based rank by cosine similarity; null when not among the nearest"),
  bm25_score: z.number().nullable(),
  vector_score: z.number().nullable(),
  fused_score: z.number().describe("Reciprocal rank fusion: the sum of 1 / (60 + rank) over both rankings"),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchResponseSchema = z.object({
  query: z.string(),
  mode: SearchModeSchema,
  embedder: z.string(),
  hits: z.array(SearchHitSchema),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

export const ReindexResultSchema = z.object({
  chunks: z.number(),
  embedder: z.string(),
  previous_embedder: z.string().nullable(),
});
export type ReindexResult = z.infer<typeof ReindexResultSchema>;
