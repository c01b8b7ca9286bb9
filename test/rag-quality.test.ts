/**
 * Retrieval quality on the labelled corpus in test/fixtures/rag-corpus (45 short technical
 * documents, 44 queries written in other words than the documents use): recall@5 and MRR for
 * BM25 alone, vectors alone and the fusion. Prints the figures; bench/rag.mjs reports the same.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RagConfigSchema } from "../src/config/schema.js";
import { systemClock } from "../src/core/clock.js";
import { HashedEmbedder } from "../src/llm/index.js";
import { STRICT_NETWORK_POLICY } from "../src/mcp/index.js";
import { createRagService, DEFAULT_SEARCH_MODE, evaluateRetrieval, SEARCH_MODES, type LabelledQuery, type RagService, type RetrievalQuality } from "../src/rag/index.js";
import { openStore, type Store } from "../src/store/index.js";

const CORPUS = fileURLToPath(new URL("./fixtures/rag-corpus/", import.meta.url));
const queries = (JSON.parse(readFileSync(join(CORPUS, "queries.json"), "utf8")) as { queries: LabelledQuery[] }).queries;

let dir: string;
let store: Store;
let rag: RagService;
const figures = new Map<string, RetrievalQuality>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pygent-rag-quality-"));
  store = openStore(dir, systemClock);
  const config = RagConfigSchema.parse({});
  rag = createRagService({ repository: store.rag, embedder: new HashedEmbedder(), clock: systemClock, config: () => config, network: () => STRICT_NETWORK_POLICY });
  for (const file of readdirSync(join(CORPUS, "docs"))) {
    await rag.ingest({ text: readFileSync(join(CORPUS, "docs", file), "utf8"), name: file });
  }
  for (const mode of SEARCH_MODES) {
    figures.set(mode, await evaluateRetrieval(rag, queries, { mode, k: 5, keyOf: (hit) => basename(hit.document_name, ".md") }));
  }
  console.log(
    `retrieval quality on ${queries.length} queries:\n${[...figures.values()]
      .map((f) => `  ${f.mode.padEnd(6)} recall@5 ${f.recall_at_k.toFixed(3)}  MRR ${f.mrr.toFixed(3)}`)
      .join("\n")}`,
  );
}, 60_000);

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("retrieval quality on the labelled corpus", () => {
  it("has a corpus of 30-60 documents and about 30 or more queries, every label naming a document", () => {
    const ids = new Set(readdirSync(join(CORPUS, "docs")).map((file) => basename(file, ".md")));
    expect(ids.size).toBeGreaterThanOrEqual(30);
    expect(ids.size).toBeLessThanOrEqual(60);
    expect(queries.length).toBeGreaterThanOrEqual(30);
    for (const query of queries) for (const id of query.relevant) expect(ids.has(id), `${query.q} -> ${id}`).toBe(true);
  });

  it("finds most answers in the first five hits in every mode", () => {
    for (const mode of SEARCH_MODES) {
      const quality = figures.get(mode)!;
      expect(quality.recall_at_k, mode).toBeGreaterThan(0.6);
      expect(quality.mrr, mode).toBeGreaterThan(0.45);
      expect(quality.mrr, mode).toBeLessThanOrEqual(quality.recall_at_k + 1e-9);
    }
  });

  it("searches by default in the mode that measures best (MRR, then recall@5)", () => {
    const best = [...SEARCH_MODES].sort(
      (a, b) => figures.get(b)!.mrr - figures.get(a)!.mrr || figures.get(b)!.recall_at_k - figures.get(a)!.recall_at_k,
    )[0];
    expect(DEFAULT_SEARCH_MODE).toBe(best);
  });

  it("fuses the two rankings into one at least as good as the better of them, within a small margin", () => {
    const [bm25, vector, hybrid] = SEARCH_MODES.map((mode) => figures.get(mode)!);
    expect(hybrid!.recall_at_k).toBeGreaterThanOrEqual(Math.max(bm25!.recall_at_k, vector!.recall_at_k) - 0.03);
    expect(hybrid!.mrr).toBeGreaterThanOrEqual(Math.max(bm25!.mrr, vector!.mrr) - 0.05);
  });
});
