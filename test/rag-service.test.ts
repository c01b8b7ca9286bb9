/**
 * The Retrieval System over a real SQLite store in a temp dir: ingest, BM25 (FTS5), vectors and
 * their fusion, replacing and removing documents, the refusal of another embedder's vectors and
 * the re-index that lifts it, paths outside the allowed folders, and URLs through the network
 * policy, fetched from a real HTTP server on 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RagConfigSchema } from "../src/config/schema.js";
import { ManualClock } from "../src/core/clock.js";
import { HashedEmbedder, type Embedder } from "../src/llm/index.js";
import { STRICT_NETWORK_POLICY, type NetworkPolicy } from "../src/mcp/index.js";
import { createRagService, retrievalPort, RRF_K, type RagService } from "../src/rag/index.js";
import { openStore, type Store } from "../src/store/index.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pygent-rag-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Setup {
  store: Store;
  rag: RagService;
  dir: string;
  clock: ManualClock;
}

function setup(options: { embedder?: Embedder; roots?: string[]; network?: NetworkPolicy; maxBytes?: number; dir?: string } = {}): Setup {
  const dir = options.dir ?? tempDir();
  const clock = new ManualClock();
  const store = openStore(dir, clock);
  cleanups.push(() => store.close());
  const config = RagConfigSchema.parse({ roots: options.roots ?? [], max_document_bytes: options.maxBytes ?? 2 * 1024 * 1024, chunk_words: 60, chunk_overlap_words: 10 });
  const rag = createRagService({
    repository: store.rag,
    embedder: options.embedder ?? new HashedEmbedder(512),
    clock,
    config: () => config,
    network: () => options.network ?? STRICT_NETWORK_POLICY,
  });
  return { store, rag, dir, clock };
}

const DOCS = {
  "sqlite.md": "# SQLite\nSQLite keeps a whole database in one file. Its write-ahead log (WAL) lets readers and one writer work at once.",
  "fts.md": "# Full-text search\nFTS5 is SQLite's full-text index. It ranks matches with BM25, which weighs rare terms above common ones.",
  "kubernetes.md": "# Kubernetes\nA pod is the smallest unit Kubernetes schedules. A deployment keeps a number of pod replicas running.",
  "tls.md": "# TLS\nTLS encrypts traffic between client and server. Certificates prove the server's identity to the client.",
};

async function ingestAll(rag: RagService): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, text] of Object.entries(DOCS)) ids[name] = (await rag.ingest({ text, name })).document.id;
  return ids;
}

describe("retrieval service", () => {
  it("ranks by BM25, by vector and by both fused, reporting each hit's ranks", async () => {
    const { rag } = setup();
    const ids = await ingestAll(rag);
    const bm25 = await rag.search({ q: "BM25 ranking of rare terms", mode: "bm25" });
    expect(bm25.hits[0]!.document_id).toBe(ids["fts.md"]);
    expect(bm25.hits[0]!.bm25_rank).toBe(1);
    const vector = await rag.search({ q: "pods and replica deployments", mode: "vector" });
    expect(vector.hits[0]!.document_id).toBe(ids["kubernetes.md"]);
    expect(vector.hits[0]!.vector_rank).toBe(1);
    expect(vector.hits[0]!.score).toBeCloseTo(vector.hits[0]!.vector_score!, 6);

    const hybrid = await rag.search({ q: "SQLite write-ahead log", mode: "hybrid", limit: 4 });
    expect(hybrid.mode).toBe("hybrid");
    expect(hybrid.embedder).toBe("hashed:v1:512");
    expect(hybrid.hits[0]!.document_id).toBe(ids["sqlite.md"]);
    expect(hybrid.hits[0]!.heading).toBe("SQLite");
    for (const hit of hybrid.hits) {
      const expected = (hit.bm25_rank ? 1 / (RRF_K + hit.bm25_rank) : 0) + (hit.vector_rank ? 1 / (RRF_K + hit.vector_rank) : 0);
      expect(hit.fused_score).toBeCloseTo(expected, 10);
      expect(hit.score).toBe(hit.fused_score);
    }
    const fusedScores = hybrid.hits.map((hit) => hit.fused_score);
    expect(fusedScores).toEqual([...fusedScores].sort((a, b) => b - a));
  });

  it("answers an agent's retrieval with text, source and score", async () => {
    const { rag } = setup();
    await ingestAll(rag);
    const [first] = await retrievalPort(rag).search("certificates and encryption", { limit: 2 });
    expect(first).toMatchObject({ source: "text:tls.md" });
    expect(first!.text).toMatch(/^TLS\nTLS encrypts/);
    expect(first!.score).toBeGreaterThan(0);
    expect(await retrievalPort(rag).search("   ", { limit: 2 })).toEqual([]);
    await expect(rag.search({ q: "x", limit: 500 })).rejects.toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringMatching(/^limit: /) });
  });

  it("replaces a document ingested again from the same source, and removes one by id", async () => {
    const { rag } = setup();
    const first = await rag.ingest({ text: "old words about penguins", name: "notes.txt" });
    const second = await rag.ingest({ text: "new words about giraffes", name: "notes.txt" });
    expect(second.replaced).toBe(first.document.id);
    expect((await rag.list()).map((doc) => doc.id)).toEqual([second.document.id]);
    expect((await rag.search({ q: "penguins", mode: "bm25" })).hits).toEqual([]);
    await rag.remove(second.document.id);
    expect(await rag.list()).toEqual([]);
    await expect(rag.remove(second.document.id)).rejects.toMatchObject({ code: "DOCUMENT_NOT_FOUND" });
    expect((await rag.search({ q: "giraffes" })).hits).toEqual([]);
  });

  it("refuses vectors of another embedder until the index is re-indexed", async () => {
    const dir = tempDir();
    const first = setup({ dir });
    await ingestAll(first.rag);
    first.store.close();

    const other = setup({ dir, embedder: new HashedEmbedder(256) });
    await expect(other.rag.ingest({ text: "more text", name: "more.txt" })).rejects.toMatchObject({
      code: "EMBEDDER_MISMATCH",
      message: expect.stringMatching(/hashed:v1:512.*hashed:v1:256.*reindex/),
    });
    await expect(other.rag.search({ q: "pods", mode: "hybrid" })).rejects.toMatchObject({ code: "EMBEDDER_MISMATCH" });
    // Words still work: BM25 needs no vectors.
    expect((await other.rag.search({ q: "pods", mode: "bm25" })).hits[0]!.vector_rank).toBeNull();
    expect(await other.rag.figures()).toMatchObject({ embedder: "hashed:v1:256", index_embedder: "hashed:v1:512", chunks: 4 });

    expect(await other.rag.reindex()).toEqual({ chunks: 4, embedder: "hashed:v1:256", previous_embedder: "hashed:v1:512" });
    expect((await other.rag.search({ q: "pods and replicas", mode: "vector" })).hits[0]!.document_name).toBe("kubernetes.md");
    await other.rag.ingest({ text: "more text", name: "more.txt" });
    expect((await other.rag.figures()).index_embedder).toBe("hashed:v1:256");
  });

  it("reports real figures", async () => {
    const { rag, clock } = setup();
    expect(await rag.figures()).toMatchObject({ documents: 0, chunks: 0, index_embedder: null, last_ingest_at: null });
    await ingestAll(rag);
    const figures = await rag.figures();
    expect(figures).toMatchObject({ documents: 4, chunks: 4, embedder: "hashed:v1:512", index_embedder: "hashed:v1:512", last_ingest_at: clock.now() });
    expect(figures.index_bytes).toBeGreaterThan(4 * 512 * 4);
  });
});

describe("ingest from files", () => {
  it("reads Markdown inside an allowed folder and refuses what is outside it", async () => {
    const root = tempDir();
    const outside = tempDir();
    writeFileSync(join(root, "guide.md"), "# Guide\n## Setup\nInstall the widget with care.");
    writeFileSync(join(outside, "secret.txt"), "do not read");
    mkdirSync(join(root, "sub"));
    symlinkSync(join(outside, "secret.txt"), join(root, "sub", "link.txt"));
    const { rag } = setup({ roots: [root] });

    const { document } = await rag.ingest({ path: join(root, "guide.md") });
    expect(document).toMatchObject({ name: "guide.md", format: "markdown", source_kind: "path", title: "Guide" });
    expect((await rag.search({ q: "widget" })).hits[0]!.heading).toBe("Guide > Setup");

    await expect(rag.ingest({ path: join(outside, "secret.txt") })).rejects.toMatchObject({ code: "PATH_NOT_ALLOWED" });
    await expect(rag.ingest({ path: join(root, "..", outside.split("/").pop()!, "secret.txt") })).rejects.toMatchObject({ code: "PATH_NOT_ALLOWED" });
    await expect(rag.ingest({ path: join(root, "sub", "link.txt") })).rejects.toMatchObject({ code: "PATH_NOT_ALLOWED" });
    await expect(rag.ingest({ path: "guide.md" })).rejects.toMatchObject({ code: "PATH_NOT_ALLOWED", message: expect.stringMatching(/absolute/) });
    await expect(rag.ingest({ path: join(root, "missing.md") })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await rag.list()).map((doc) => doc.name)).toEqual(["guide.md"]);
  });

  it("refuses any path when no folder is open, and a file over the size limit", async () => {
    const root = tempDir();
    writeFileSync(join(root, "big.txt"), "word ".repeat(1000));
    await expect(setup().rag.ingest({ path: join(root, "big.txt") })).rejects.toMatchObject({ code: "PATH_NOT_ALLOWED", message: expect.stringMatching(/rag\.roots/) });
    await expect(setup({ roots: [root], maxBytes: 1024 }).rag.ingest({ path: join(root, "big.txt") })).rejects.toMatchObject({ code: "DOCUMENT_TOO_LARGE" });
  });
});

describe("ingest from URLs", () => {
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server: Server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  it("fetches an HTML page from 127.0.0.1 when the policy allows loopback, without its scripts", async () => {
    const base = await serve((request, response) => {
      if (request.url === "/moved") {
        response.writeHead(302, { location: "/page.html" }).end();
        return;
      }
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end("<html><head><script>var leaked = 1</script></head><body><h1>Rate limits</h1><p>A token bucket refills at a fixed rate.</p></body></html>");
    });
    const { rag } = setup({ network: { allow_loopback: true, allow_private: false } });
    const { document } = await rag.ingest({ url: `${base}/moved` });
    expect(document).toMatchObject({ source_kind: "url", format: "html", title: "Rate limits", source: `${base}/moved` });
    const [hit] = (await rag.search({ q: "token bucket" })).hits;
    expect(hit!.text).toBe("A token bucket refills at a fixed rate.");
    expect((await rag.search({ q: "leaked", mode: "bm25" })).hits).toEqual([]);
  });

  it("refuses loopback, private and metadata addresses under the default policy, redirects included", async () => {
    const base = await serve((_request, response) => {
      response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    });
    const strict = setup().rag;
    await expect(strict.ingest({ url: `${base}/page` })).rejects.toMatchObject({ code: "URL_NOT_ALLOWED", message: expect.stringMatching(/loopback/) });
    await expect(strict.ingest({ url: "http://10.0.0.7/doc" })).rejects.toMatchObject({ code: "URL_NOT_ALLOWED", message: expect.stringMatching(/private/) });
    await expect(strict.ingest({ url: "file:///etc/passwd" })).rejects.toMatchObject({ code: "URL_NOT_ALLOWED" });
    const loopbackOnly = setup({ network: { allow_loopback: true, allow_private: false } }).rag;
    await expect(loopbackOnly.ingest({ url: `${base}/page` })).rejects.toMatchObject({ code: "URL_NOT_ALLOWED", message: expect.stringMatching(/metadata/) });
  });

  it("refuses a body over the size limit and a binary answer", async () => {
    const base = await serve((request, response) => {
      if (request.url === "/big") {
        response.writeHead(200, { "content-type": "text/plain" });
        response.end("x".repeat(5000));
        return;
      }
      response.writeHead(200, { "content-type": "image/png" }).end(Buffer.from([0x89, 0x50, 0, 0]));
    });
    const { rag } = setup({ network: { allow_loopback: true, allow_private: false }, maxBytes: 1024 });
    await expect(rag.ingest({ url: `${base}/big` })).rejects.toMatchObject({ code: "DOCUMENT_TOO_LARGE" });
    await expect(rag.ingest({ url: `${base}/logo.png` })).rejects.toMatchObject({ code: "DOCUMENT_FETCH_FAILED", message: expect.stringMatching(/image\/png/) });
  });
});
