/**
 * The Retrieval System over MCP, so any agent or client of the gateway can search and feed it:
 * `rag__search` (viewer) and `rag__ingest` (operator) with the default separator, under the
 * reserved id `rag`, so no server's tool can pass for one. Their inputs are the retrieval domain's
 * own schemas, so the rules (one of path, url or text; the limits) are those of the REST API.
 */
import { RAG_SERVER_ID } from "../core/ids.js";
import { IngestRequestSchema, SearchRequestSchema, type RagService } from "../rag/index.js";
import { defineBuiltin, jsonResult, type BuiltinTool } from "./builtin-tools.js";

export function ragBuiltins(rag: RagService): BuiltinTool[] {
  return [
    defineBuiltin({
      name: "search",
      owner: RAG_SERVER_ID,
      description:
        "Searches the documents in PyGent's retrieval index: by BM25 (the default), by vector or by both fused (hybrid). " +
        "Each hit has its text, the headings it sits under, its source, both ranks and the fused score.",
      input: SearchRequestSchema,
      role: "viewer",
      readOnly: true,
      run: async (args) => jsonResult({ ...(await rag.search(args)) }),
    }),
    defineBuiltin({
      name: "ingest",
      owner: RAG_SERVER_ID,
      description:
        "Adds a document to PyGent's retrieval index: `text` with a `name`, a `url` the daemon's network policy allows, " +
        "or a `path` inside the folders its config opens (rag.roots). A document of the same source is replaced.",
      input: IngestRequestSchema,
      role: "operator",
      readOnly: false,
      run: async (args) => jsonResult({ ...(await rag.ingest(args)) }),
    }),
  ];
}
