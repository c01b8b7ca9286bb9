/**
 * The Retrieval System: documents in (a file inside the allowed folders, a URL the network
 * policy allows, or inline text), cut into overlapping chunks under their headings, each chunk
 * embedded and indexed twice — FTS5 BM25 over its words and a vector by the embedder — and
 * questions out, ranked by either or by both fused (reciprocal rank, k = 60). The vector search
 * is a brute-force scan of every vector held in memory (`vector-scan.ts`; bench/rag.mjs measures
 * it on 10,000 chunks of 512 dimensions). Writes are serialised, so a re-index never interleaves with an
 * ingest; an index holding another embedder's vectors is refused until it is re-indexed.
 */
import type { RagConfig } from "../config/schema.js";
import { formatIssues, zodIssues } from "../config/validate.js";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import { contentWords, type Embedder } from "../llm/index.js";
import type { HostLookup, NetworkPolicy } from "../mcp/index.js";
import type { RagDocumentRecord, RagRepository, RagVectors } from "../store/index.js";
import { chunkSections } from "./chunker.js";
import { extractDocument, formatOf } from "./extract.js";
import { reciprocalRankFusion, topRows } from "./fusion.js";
import {
  SearchRequestSchema,
  type IngestRequest,
  type IngestResult,
  type RagDocument,
  type ReindexResult,
  type SearchHit,
  type SearchRequest,
  type SearchResponse,
} from "./schemas.js";
import { fetchUrlSource, readPathSource, type LoadedSource } from "./sources.js";
import { dotProducts } from "./vector-scan.js";

export interface RagServiceDeps {
  repository: RagRepository;
  embedder: Embedder;
  clock: Clock;
  /** The config's `rag` section, read per use so a reload applies. */
  config: () => RagConfig;
  /** The network policy URLs are checked against (the config's `network` section). */
  network: () => NetworkPolicy;
  logger?: Logger;
  lookup?: HostLookup;
  fetch?: typeof fetch;
}

/** The retrieval system's figures for /health/rag. */
export interface RagFigures {
  documents: number;
  chunks: number;
  /** The embedder new vectors come from. */
  embedder: string;
  /** The embedder whose vectors the index holds; null while it holds none. */
  index_embedder: string | null;
  index_bytes: number;
  last_ingest_at: number | null;
}

export interface RagService {
  readonly embedder: Embedder;
  ingest(request: IngestRequest, signal?: AbortSignal): Promise<IngestResult>;
  list(): Promise<RagDocument[]>;
  /** Throws DOCUMENT_NOT_FOUND when no document has the id. */
  remove(id: string): Promise<void>;
  search(request: SearchRequest): Promise<SearchResponse>;
  /** Embeds every chunk again with this service's embedder and records it as the index's. */
  reindex(): Promise<ReindexResult>;
  figures(): Promise<RagFigures>;
}

/** How many of each ranking take part in the fusion, at least. */
const FUSION_POOL = 50;
/** Texts embedded per call, so a large document does not hold the event loop in one go. */
const EMBED_BATCH = 64;

function chunkText(heading: string, text: string): string {
  return heading === "" ? text : `${heading}\n${text}`;
}

export function createRagService(deps: RagServiceDeps): RagService {
  const { repository, embedder, clock } = deps;
  let vectors: RagVectors | undefined;
  /** Moves on with every write, so that vectors loaded before one are not kept after it. */
  let generation = 0;
  let writes: Promise<unknown> = Promise.resolve();

  /** Runs writes one at a time, in order; a failed one does not stop the next. */
  const serial = <T>(write: () => Promise<T>): Promise<T> => {
    const run = writes.then(write, write);
    writes = run.catch(() => undefined);
    return run.finally(() => {
      generation += 1;
      vectors = undefined;
    });
  };

  const embedAll = async (texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += EMBED_BATCH) {
      signal?.throwIfAborted();
      out.push(...(await embedder.embed(texts.slice(start, start + EMBED_BATCH), signal)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  };

  const mismatch = (indexEmbedder: string): AppError =>
    new AppError(
      "EMBEDDER_MISMATCH",
      `the retrieval index holds vectors of ${indexEmbedder}, not ${embedder.id}; re-index it (pygent rag reindex) to search by vector`,
      { index_embedder: indexEmbedder, embedder: embedder.id },
    );

  const load = async (request: IngestRequest, signal?: AbortSignal): Promise<LoadedSource & { kind: RagDocumentRecord["source_kind"] }> => {
    const config = deps.config();
    if (request.path !== undefined) return { ...(await readPathSource(request.path, config.roots, config.max_document_bytes)), kind: "path" };
    if (request.url !== undefined) {
      const loaded = await fetchUrlSource(request.url, {
        policy: deps.network(),
        maxBytes: config.max_document_bytes,
        ...(deps.lookup ? { lookup: deps.lookup } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(signal ? { signal } : {}),
      });
      return { ...loaded, kind: "url" };
    }
    const text = request.text ?? "";
    const bytes = Buffer.byteLength(text);
    if (bytes > config.max_document_bytes) {
      throw new AppError("DOCUMENT_TOO_LARGE", `the document is ${bytes} bytes; the limit is ${config.max_document_bytes} (rag.max_document_bytes)`, {
        max_bytes: config.max_document_bytes,
      });
    }
    const name = request.name ?? "text";
    return { source: `text:${name}`, name, format: formatOf(name), text, bytes, kind: "text" };
  };

  /** The `count` chunks nearest the query by cosine, best first; refused while the index holds another embedder's vectors. */
  const nearestChunks = async (query: string, count: number): Promise<{ chunk_id: number; score: number }[]> => {
    const indexEmbedder = await repository.embedderId();
    if (indexEmbedder === null) return [];
    if (indexEmbedder !== embedder.id) throw mismatch(indexEmbedder);
    const [vector] = await embedder.embed([query]);
    const index = await vectorIndex();
    const scores = dotProducts(index.matrix, index.dimensions, vector!);
    return topRows(scores, count, 0).map((row) => ({ chunk_id: index.ids[row]!, score: scores[row]! }));
  };

  const vectorIndex = async (): Promise<RagVectors> => {
    if (vectors) return vectors;
    const seen = generation;
    const loaded = await repository.vectors();
    if (seen === generation) vectors = loaded;
    return loaded;
  };

  return {
    embedder,

    async ingest(request, signal) {
      const loaded = await load(request, signal);
      const format = request.format ?? loaded.format;
      const extracted = extractDocument(loaded.text, format);
      const config = deps.config();
      const chunks = chunkSections(extracted.sections, { maxWords: config.chunk_words, overlapWords: config.chunk_overlap_words });
      if (chunks.length === 0) {
        throw new AppError("VALIDATION_FAILED", `${loaded.name} has no text to index`, { issues: [{ field: "text", message: "has no text to index" }] });
      }
      const embeddings = await embedAll(chunks.map((chunk) => chunkText(chunk.heading, chunk.text)), signal);
      return serial(async () => {
        const document: RagDocumentRecord = {
          id: newId(),
          name: request.name ?? loaded.name,
          source: loaded.source,
          source_kind: loaded.kind,
          format,
          title: extracted.title,
          bytes: loaded.bytes,
          chunk_count: chunks.length,
          ingested_at: clock.now(),
        };
        const { replaced } = await repository.saveDocument(
          document,
          chunks.map((chunk, index) => ({ ...chunk, embedding: embeddings[index]! })),
          embedder.id,
        );
        deps.logger?.info({ document_id: document.id, source: document.source, chunks: chunks.length, replaced }, "document ingested");
        return { document, replaced };
      });
    },

    list: () => repository.listDocuments(),

    async remove(id) {
      const removed = await serial(() => repository.removeDocument(id));
      if (!removed) throw new AppError("DOCUMENT_NOT_FOUND", `no document in the retrieval index has the id ${id}`, { id });
    },

    async search(raw) {
      const parsed = SearchRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const issues = zodIssues(parsed.error);
        throw new AppError("VALIDATION_FAILED", formatIssues(issues), { issues });
      }
      const request = parsed.data;
      const pool = Math.max(FUSION_POOL, request.limit * 4);
      // Each mode runs only the rankings it needs: the vector scan is most of a query's cost.
      const words = contentWords(request.q);
      const bm25 =
        request.mode === "vector"
          ? []
          : await repository.searchText(words.length > 0 ? words : (request.q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []), pool);
      const nearest = request.mode === "bm25" ? [] : await nearestChunks(request.q, pool);
      const fused = reciprocalRankFusion([bm25.map((hit) => hit.chunk_id), nearest.map((hit) => hit.chunk_id)], request.rrf_k);
      const bm25Of = new Map(bm25.map((hit, index) => [hit.chunk_id, { rank: index + 1, score: hit.score }]));
      const vectorOf = new Map(nearest.map((hit, index) => [hit.chunk_id, { rank: index + 1, score: hit.score }]));
      const order =
        request.mode === "bm25"
          ? bm25.map((hit) => hit.chunk_id)
          : request.mode === "vector"
            ? nearest.map((hit) => hit.chunk_id)
            : [...fused.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
      const chosen = order.slice(0, request.limit);
      const records = new Map((await repository.chunks(chosen)).map((chunk) => [chunk.id, chunk]));
      const hits: SearchHit[] = chosen.flatMap((id) => {
        const chunk = records.get(id);
        if (!chunk) return [];
        const lexical = bm25Of.get(id);
        const semantic = vectorOf.get(id);
        const fusedScore = fused.get(id) ?? 0;
        const score = request.mode === "bm25" ? lexical!.score : request.mode === "vector" ? semantic!.score : fusedScore;
        return [
          {
            chunk_id: id,
            document_id: chunk.document_id,
            document_name: chunk.document_name,
            source: chunk.source,
            heading: chunk.heading,
            text: chunk.text,
            position: chunk.position,
            score,
            bm25_rank: lexical?.rank ?? null,
            vector_rank: semantic?.rank ?? null,
            bm25_score: lexical?.score ?? null,
            vector_score: semantic?.score ?? null,
            fused_score: fusedScore,
          },
        ];
      });
      return { query: request.q, mode: request.mode, embedder: embedder.id, hits };
    },

    reindex: () =>
      serial(async () => {
        const previous = await repository.embedderId();
        const rows = await repository.chunkTexts();
        const embeddings = await embedAll(rows.map((row) => chunkText(row.heading, row.text)));
        await repository.replaceEmbeddings(
          rows.map((row, index) => ({ id: row.id, embedding: embeddings[index]! })),
          embedder.id,
        );
        deps.logger?.info({ chunks: rows.length, embedder: embedder.id, previous_embedder: previous }, "retrieval index re-indexed");
        return { chunks: rows.length, embedder: embedder.id, previous_embedder: previous };
      }),

    async figures() {
      const figures = await repository.figures();
      return {
        documents: figures.documents,
        chunks: figures.chunks,
        embedder: embedder.id,
        index_embedder: figures.embedder_id,
        index_bytes: figures.index_bytes,
        last_ingest_at: figures.last_ingest_at,
      };
    },
  };
}

/** What an agent's retrieval asks of the Retrieval System. */
export interface RetrievalPort {
  search(query: string, options: { limit: number }): Promise<{ text: string; source: string; score: number }[]>;
}

/** The service as an agent's retrieval: the default mode's best chunks, each with its headings; nothing for a blank query. */
export function retrievalPort(service: RagService): RetrievalPort {
  return {
    async search(query, { limit }) {
      if (query.trim() === "") return [];
      const { hits } = await service.search({ q: query, limit });
      return hits.map((hit) => ({ text: chunkText(hit.heading, hit.text), source: hit.source, score: hit.score }));
    },
  };
}
