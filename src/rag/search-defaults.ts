/**
 * What a search does when it names nothing: a module of its own, without the schemas, so that a
 * command can show these defaults in its help without loading the retrieval system.
 */
export const SEARCH_MODES = ["bm25", "vector", "hybrid"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/**
 * The mode a search uses when it names none: the one with the best MRR (recall@5 breaking a tie)
 * on the labelled corpus with the default embedder (bench/rag.mjs, test/rag-quality.test.ts):
 * BM25, which is also the fastest. Hybrid stays a request away, and is the one to choose with an
 * embedder that models meaning rather than word forms.
 */
export const DEFAULT_SEARCH_MODE: SearchMode = "bm25";

/** Reciprocal rank fusion's constant: a hit at rank r in a list adds 1 / (RRF_K + r). */
export const RRF_K = 60;

/** Chunks a search returns when it asks for no number. */
export const DEFAULT_SEARCH_LIMIT = 5;
