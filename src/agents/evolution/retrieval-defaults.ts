// The retrieval system's defaults from their own module, not the rag domain's index: `pygent
// evolve retrieval --help` shows them without loading the retrieval system.
import { DEFAULT_SEARCH_LIMIT, DEFAULT_SEARCH_MODE, RRF_K } from "../../rag/search-defaults.js";
import type { RetrievalGenes } from "./genome.js";

/** The retrieval settings a search uses when it names none: where a retrieval run starts by default. */
export const DEFAULT_RETRIEVAL_GENES: RetrievalGenes = { mode: DEFAULT_SEARCH_MODE, limit: DEFAULT_SEARCH_LIMIT, rrf_k: RRF_K };
