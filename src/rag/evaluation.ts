/**
 * Retrieval quality on a labelled set of queries: recall@k (the share of each query's relevant
 * documents found among the first k hits, averaged) and MRR (the mean of 1 / rank of the first
 * relevant document, 0 when none is in the first k). Relevance is judged per document, named by
 * a caller-chosen key of each document (for the corpus in test/fixtures: its file name).
 */
import type { RagService } from "./rag-service.js";
import type { SearchMode } from "./schemas.js";

export interface LabelledQuery {
  q: string;
  /** Keys of the documents that answer the query. */
  relevant: string[];
}

export interface RetrievalQuality {
  mode: SearchMode;
  k: number;
  queries: number;
  recall_at_k: number;
  mrr: number;
}

/** Share of the relevant keys found among the first k ranked (each key counted once). */
export function recallAtK(relevant: readonly string[], ranked: readonly string[], k: number): number {
  const top = new Set(ranked.slice(0, k));
  const wanted = new Set(relevant);
  return [...wanted].filter((key) => top.has(key)).length / wanted.size;
}

/** 1 / the rank of the first relevant key among the first k, or 0 when none is there. */
export function reciprocalRank(relevant: readonly string[], ranked: readonly string[], k: number): number {
  const wanted = new Set(relevant);
  const first = ranked.slice(0, k).findIndex((key) => wanted.has(key));
  return first === -1 ? 0 : 1 / (first + 1);
}

/** Scores the service on the queries; `keyOf` names the document a hit belongs to. */
export async function evaluateRetrieval(
  service: Pick<RagService, "search">,
  queries: readonly LabelledQuery[],
  options: { mode: SearchMode; k: number; keyOf: (hit: { document_name: string; source: string }) => string },
): Promise<RetrievalQuality> {
  let recall = 0;
  let reciprocal = 0;
  for (const query of queries) {
    const { hits } = await service.search({ q: query.q, mode: options.mode, limit: options.k });
    // A document with several chunks counts once, at its best rank.
    const ranked = [...new Set(hits.map((hit) => options.keyOf(hit)))];
    recall += recallAtK(query.relevant, ranked, options.k);
    reciprocal += reciprocalRank(query.relevant, ranked, options.k);
  }
  const count = Math.max(1, queries.length);
  return { mode: options.mode, k: options.k, queries: queries.length, recall_at_k: recall / count, mrr: reciprocal / count };
}
