/**
 * `pygent rag ...`: the daemon's Retrieval System. `ingest` sends each local file's contents
 * (the CLI reads them, so the daemon needs no access to them; `--on-daemon` asks the daemon to
 * read the path itself, inside its rag.roots) and each http(s) argument as a URL for the daemon
 * to fetch under its network policy. `search`, `list`, `remove` and `reindex` call the routes
 * of the same names.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { parsePositiveInt } from "../option-parsers.js";
import { clientFor, examples, printJson, UsageError, withDaemonOptions, type CliContext } from "../cli-context.js";
import { formatInstant, formatTable } from "../table.js";
import type { IngestResult, RagDocument, ReindexResult, SearchResponse } from "../../rag/index.js";

/** Embedding a large document takes a while on a busy machine. */
const INGEST_TIMEOUT_MS = 120_000;

const isUrl = (value: string): boolean => /^https?:\/\//i.test(value);

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function registerRagCommand(program: Command, ctx: CliContext): void {
  const rag = program.command("rag").description("the retrieval index: ingest documents, search them (BM25, vectors or both fused)");

  withDaemonOptions(
    rag
      .command("ingest")
      .description("add files (Markdown, HTML or text) or URLs to the index; one already there from the same source is replaced")
      .argument("<sources...>", "file paths or http(s) URLs")
      .option("--on-daemon", "read the paths on the daemon's machine (inside its rag.roots) instead of sending their contents")
      .option("--json", "print JSON"),
  )
    .addHelpText("after", examples("pygent rag ingest docs/*.md", "pygent rag ingest https://example.com/guide.html", "pygent rag ingest --on-daemon /srv/docs/faq.md"))
    .action(async (sources: string[], options: { onDaemon?: boolean; json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx, { timeoutMs: INGEST_TIMEOUT_MS });
      const results: IngestResult[] = [];
      for (const source of sources) {
        let body: Record<string, string>;
        if (isUrl(source)) body = { url: source };
        else if (options.onDaemon) body = { path: resolve(source) };
        else {
          const path = resolve(source);
          const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
            throw new UsageError(`cannot read ${source}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
          });
          body = { text, name: path };
        }
        const result = await client.post<IngestResult>("/api/v1/rag/documents", body);
        results.push(result);
        if (!options.json) {
          const replaced = result.replaced ? ` (replaced ${result.replaced})` : "";
          ctx.io.out(`Ingested ${result.document.name}: ${result.document.chunk_count} chunk(s), id ${result.document.id}${replaced}`);
        }
      }
      if (options.json) printJson(ctx.io, { results });
    });

  withDaemonOptions(
    rag
      .command("search")
      .description("search the index; shows each hit's BM25 rank, vector rank and fused score")
      .argument("<query>", "what to look for")
      .option("--mode <mode>", "bm25 | vector | hybrid (default: bm25); the daemon names a wrong one")
      .option("--limit <n>", "how many hits (1-50, default 5)", parsePositiveInt)
      .option("--json", "print JSON"),
  )
    .addHelpText("after", examples('pygent rag search "how do I restore a backup"', 'pygent rag search "WAL mode" --mode bm25 --limit 10'))
    .action(async (q: string, options: { mode?: string; limit?: number; json?: boolean }, cmd: Command) => {
      const body = { q, ...(options.mode ? { mode: options.mode } : {}), ...(options.limit ? { limit: options.limit } : {}) };
      const response = await clientFor(cmd, ctx).post<SearchResponse>("/api/v1/rag/search", body);
      if (options.json) return printJson(ctx.io, response);
      if (response.hits.length === 0) {
        ctx.io.out("No match.");
        return;
      }
      const rank = (value: number | null) => (value === null ? "-" : String(value));
      ctx.io.out(
        formatTable(response.hits, [
          { header: "score", value: (hit) => hit.score.toFixed(4), align: "right" },
          { header: "bm25", value: (hit) => rank(hit.bm25_rank), align: "right" },
          { header: "vector", value: (hit) => rank(hit.vector_rank), align: "right" },
          { header: "fused", value: (hit) => hit.fused_score.toFixed(4), align: "right" },
          { header: "document", value: (hit) => hit.document_name, max: 30 },
          { header: "section", value: (hit) => hit.heading, max: 30 },
          { header: "text", value: (hit) => oneLine(hit.text), max: 70 },
        ]),
      );
      ctx.io.out(`mode ${response.mode}, embedder ${response.embedder}`);
    });

  withDaemonOptions(rag.command("list").alias("ls").description("list the documents in the index").option("--json", "print JSON")).action(
    async (options: { json?: boolean }, cmd: Command) => {
      const { documents } = await clientFor(cmd, ctx).get<{ documents: RagDocument[] }>("/api/v1/rag/documents");
      if (options.json) return printJson(ctx.io, { documents });
      if (documents.length === 0) {
        ctx.io.out("The index is empty; add documents with `pygent rag ingest`.");
        return;
      }
      ctx.io.out(
        formatTable(documents, [
          { header: "id", value: (doc) => doc.id },
          { header: "name", value: (doc) => doc.name, max: 40 },
          { header: "format", value: (doc) => doc.format },
          { header: "chunks", value: (doc) => String(doc.chunk_count), align: "right" },
          { header: "bytes", value: (doc) => String(doc.bytes), align: "right" },
          { header: "ingested", value: (doc) => formatInstant(doc.ingested_at) },
        ]),
      );
    },
  );

  withDaemonOptions(rag.command("remove").alias("rm").description("remove a document and its chunks").argument("<id>", "document id (from `pygent rag list`)")).action(
    async (id: string, _options: unknown, cmd: Command) => {
      await clientFor(cmd, ctx).delete(`/api/v1/rag/documents/${encodeURIComponent(id)}`);
      ctx.io.out(`Removed document ${id}`);
    },
  );

  withDaemonOptions(rag.command("reindex").description("embed every chunk again with the daemon's embedder (after changing embedders)")).action(
    async (_options: unknown, cmd: Command) => {
      const result = await clientFor(cmd, ctx, { timeoutMs: INGEST_TIMEOUT_MS }).post<ReindexResult>("/api/v1/rag/reindex");
      const from = result.previous_embedder ? ` from ${result.previous_embedder}` : "";
      ctx.io.out(`Re-indexed ${result.chunks} chunk(s)${from} to ${result.embedder}`);
    },
  );
}
