// Retrieval: ingest rate and query latency on 10,000 chunks, against FTS5 BM25 alone (the floor),
// and retrieval quality (recall@5, MRR) of BM25, vectors and their fusion on the labelled corpus.
// Runs the built retrieval service (dist/) in this process over a SQLite store in a temp dir.
//
// The 10,000 chunks come from documents of about 1,600 words each, stitched from the corpus's
// sentences in an order a seeded generator picks, with a number word per paragraph so no two
// chunks are alike; chunked with the defaults (200 words, 40 overlapping). Queries are the corpus's.
// The floor is the same FTS5 query the service runs (`MATCH` with BM25, 50 rows), straight on the
// database file with better-sqlite3: what any SQLite BM25 search costs before fusion and vectors.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { percentile } from "./lib/call-rounds.mjs";
import { prng } from "./lib/history.mjs";
import { installCleanupHandlers, log, registerTempDir } from "./lib/proc.mjs";
import { QUICK, target } from "./lib/targets.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const CORPUS = path.join(ROOT, "test/fixtures/rag-corpus");
const CHUNKS = QUICK ? 2_000 : 10_000;
const QUERY_ROUNDS = QUICK ? 1 : 4;

async function load() {
  const dist = (p) => import(path.join(ROOT, "dist", p));
  const [{ createRagService, evaluateRetrieval, SEARCH_MODES, DEFAULT_SEARCH_MODE }, { openStore, DATABASE_FILE }, { HashedEmbedder, contentWords }, { RagConfigSchema }, { systemClock }, { STRICT_NETWORK_POLICY }] =
    await Promise.all([dist("rag/index.js"), dist("store/index.js"), dist("llm/index.js"), dist("config/schema.js"), dist("core/clock.js"), dist("mcp/index.js")]);
  return { createRagService, evaluateRetrieval, SEARCH_MODES, DEFAULT_SEARCH_MODE, openStore, DATABASE_FILE, HashedEmbedder, contentWords, RagConfigSchema, systemClock, STRICT_NETWORK_POLICY };
}

function corpus() {
  const docs = fs.readdirSync(path.join(CORPUS, "docs")).map((file) => ({ file, text: fs.readFileSync(path.join(CORPUS, "docs", file), "utf8") }));
  const queries = JSON.parse(fs.readFileSync(path.join(CORPUS, "queries.json"), "utf8")).queries;
  return { docs, queries };
}

function syntheticDocument(sentences, random, index) {
  const paragraphs = [];
  for (let p = 0; p < 16; p++) {
    const picked = Array.from({ length: 5 }, () => sentences[Math.floor(random() * sentences.length)]);
    paragraphs.push(`Note ${index}-${p}. ${picked.join(" ")}`);
  }
  return `# Synthetic document ${index}\n\n${paragraphs.join("\n\n")}\n`;
}

function build(m, dir) {
  const store = m.openStore(dir, m.systemClock);
  const config = m.RagConfigSchema.parse({});
  const rag = m.createRagService({ repository: store.rag, embedder: new m.HashedEmbedder(), clock: m.systemClock, config: () => config, network: () => m.STRICT_NETWORK_POLICY });
  return { store, rag };
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

function latencies(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95), max_ms: sorted[sorted.length - 1], samples: sorted.length };
}

export async function runRag() {
  installCleanupHandlers();
  const m = await load();
  const { docs, queries } = corpus();
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-rag-")));
  try {
    // Quality on the labelled corpus.
    const qualityStore = build(m, path.join(tmp, "quality"));
    for (const doc of docs) await qualityStore.rag.ingest({ text: doc.text, name: doc.file });
    const quality = {};
    for (const mode of m.SEARCH_MODES) {
      const q = await m.evaluateRetrieval(qualityStore.rag, queries, { mode, k: 5, keyOf: (hit) => path.basename(hit.document_name, ".md") });
      quality[mode] = { recall_at_5: q.recall_at_k, mrr: q.mrr };
    }
    qualityStore.store.close();
    log(`quality: ${m.SEARCH_MODES.map((mode) => `${mode} recall@5 ${quality[mode].recall_at_5.toFixed(3)} MRR ${quality[mode].mrr.toFixed(3)}`).join("; ")}`);

    // Scale: ingest until CHUNKS chunks are indexed.
    const { store, rag } = build(m, path.join(tmp, "scale"));
    const sentences = docs.flatMap((doc) => doc.text.replace(/^#.*$/m, "").split(/(?<=\.)\s+/).map((s) => s.trim()).filter((s) => s.length > 20));
    const random = prng(42);
    let chunks = 0;
    let documents = 0;
    let bytes = 0;
    const ingest = await timed(async () => {
      while (chunks < CHUNKS) {
        const text = syntheticDocument(sentences, random, documents);
        const { document } = await rag.ingest({ text, name: `synthetic-${documents}.md` });
        chunks += document.chunk_count;
        bytes += document.bytes;
        documents += 1;
      }
    });
    log(`ingested ${documents} documents, ${chunks} chunks in ${(ingest.ms / 1000).toFixed(1)} s`);
    const figures = await rag.figures();

    // Query latency: the floor (raw FTS5), then each mode through the service; the first vector
    // query loads every vector into memory and is reported on its own.
    const db = new Database(path.join(tmp, "scale", m.DATABASE_FILE), { readonly: true });
    const floorStmt = db.prepare("SELECT rowid, -bm25(rag_chunks_fts, 2.0, 1.0) AS score FROM rag_chunks_fts WHERE rag_chunks_fts MATCH ? ORDER BY score DESC LIMIT 50");
    const ftsQuery = (q) => m.contentWords(q).map((w) => `"${w.replaceAll('"', '""')}"`).join(" OR ");
    const cold = await timed(() => rag.search({ q: queries[0].q, mode: "hybrid" }));
    const samples = { floor: [], bm25: [], vector: [], hybrid: [] };
    for (let round = 0; round < QUERY_ROUNDS; round++) {
      for (const { q } of queries) {
        samples.floor.push((await timed(async () => floorStmt.all(ftsQuery(q)))).ms);
        for (const mode of m.SEARCH_MODES) samples[mode].push((await timed(() => rag.search({ q, mode }))).ms);
      }
    }
    db.close();
    store.close();
    const query = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, latencies(list)]));
    const best = [...m.SEARCH_MODES].sort((a, b) => quality[b].mrr - quality[a].mrr || quality[b].recall_at_5 - quality[a].recall_at_5)[0];
    const ingestSeconds = ingest.ms / 1000;
    return {
      bench: "rag",
      quick: QUICK,
      embedder: figures.embedder,
      corpus: { documents: docs.length, queries: queries.length },
      quality,
      best_mode: best,
      default_mode: m.DEFAULT_SEARCH_MODE,
      scale: { documents, chunks, bytes, index_bytes: figures.index_bytes },
      ingest: { seconds: ingestSeconds, chunks_per_s: chunks / ingestSeconds, documents_per_s: documents / ingestSeconds, mb_per_s: bytes / 1e6 / ingestSeconds },
      query: { ...query, first_vector_query_ms: cold.ms, rounds: QUERY_ROUNDS },
      targets: [
        target(`hybrid query p95 on ${chunks} chunks`, query.hybrid.p95_ms, { max: 50, unit: " ms", basis: "interactive search", detail: `p50 ${query.hybrid.p50_ms.toFixed(2)} ms; FTS5 BM25 floor p95 ${query.floor.p95_ms.toFixed(2)} ms` }),
        target(`ingest rate (${chunks} chunks)`, chunks / ingestSeconds, { min: 500, unit: " chunks/s", basis: "10,000 chunks in under 20 s" }),
        target("default search mode is the best by MRR on the labelled corpus", m.DEFAULT_SEARCH_MODE === best ? 1 : 0, {
          min: 1,
          detail: m.SEARCH_MODES.map((mode) => `${mode} recall@5 ${quality[mode].recall_at_5.toFixed(3)} MRR ${quality[mode].mrr.toFixed(3)}`).join(", "),
        }),
      ],
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
