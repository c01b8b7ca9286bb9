/** The Retrieval System: ingest, chunk, index (BM25 and vectors) and hybrid search. */
export { chunkSections, DEFAULT_CHUNKING, type Chunk, type ChunkOptions } from "./chunker.js";
export { extractDocument, extractHtml, extractMarkdown, formatOf, type ExtractedDocument, type Section } from "./extract.js";
export { evaluateRetrieval, recallAtK, reciprocalRank, type LabelledQuery, type RetrievalQuality } from "./evaluation.js";
export { createRagService, retrievalPort, type RagFigures, type RagService, type RagServiceDeps, type RetrievalPort } from "./rag-service.js";
export {
  DEFAULT_SEARCH_LIMIT,
  DEFAULT_SEARCH_MODE,
  IngestRequestSchema,
  IngestResultSchema,
  RagDocumentSchema,
  ReindexResultSchema,
  RRF_K,
  SEARCH_MODES,
  SearchHitSchema,
  SearchModeSchema,
  SearchRequestSchema,
  SearchResponseSchema,
  type IngestRequest,
  type IngestResult,
  type RagDocument,
  type ReindexResult,
  type SearchHit,
  type SearchMode,
  type SearchRequest,
  type SearchResponse,
} from "./schemas.js";
