/**
 * The Retrieval System and the Memory Manager as a user of the daemon sees them: the REST routes
 * (bad input answered 4xx naming the field), /health/rag and /health/memory with real figures,
 * a URL ingested from a real HTTP server on 127.0.0.1 (allowed by the config's network section),
 * and rag__search / rag__ingest through /mcp with the SDK's client.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { textOf } from "./helpers/gateway-apps.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon;
let base: string;
let pages: Server;
let pagesBase: string;
let docs: string;

beforeAll(async () => {
  dir = makeTempDir("pygent-rag-daemon-");
  docs = join(dir, "docs");
  mkdirSync(docs);
  writeFileSync(join(docs, "backups.md"), "# Backups\n## Restore\nRestore a snapshot with the restore command, then verify the checksums.");
  writeFileSync(join(dir, "outside.txt"), "not for the index");
  pages = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<h1>Circuit breakers</h1><p>A circuit breaker stops calls to a failing service until it recovers.</p>");
  });
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  const address = pages.address();
  pagesBase = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const configPath = join(dir, "mcp_server_configs.json");
  writeFileSync(configPath, JSON.stringify({ servers: [], network: { allow_loopback: true }, rag: { roots: ["docs"] } }));
  daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
  base = (await daemon.start()).url;
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await new Promise<void>((resolve) => pages.close(() => resolve()));
  removeTempDir(dir);
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? null : JSON.parse(text) };
}

function fields(json: any): string[] {
  return (json.error.details?.issues ?? []).map((issue: { field: string }) => issue.field);
}

describe("retrieval over the API", () => {
  it("ingests inline text, a file inside rag.roots and a URL, and lists them", async () => {
    const text = await api("POST", "/rag/documents", { text: "# Queues\nA dead-letter queue keeps messages that failed delivery.", name: "queues.md" });
    expect(text.status).toBe(201);
    expect(text.json.document).toMatchObject({ name: "queues.md", format: "markdown", source_kind: "text", chunk_count: 1 });
    const file = await api("POST", "/rag/documents", { path: join(docs, "backups.md") });
    expect(file.status).toBe(201);
    const page = await api("POST", "/rag/documents", { url: `${pagesBase}/breakers.html` });
    expect(page.status).toBe(201);
    expect(page.json.document).toMatchObject({ format: "html", title: "Circuit breakers" });
    const listed = await api("GET", "/rag/documents");
    expect(listed.json.documents.map((doc: { name: string }) => doc.name).sort()).toEqual(["backups.md", "breakers.html", "queues.md"]);
  });

  it("searches by POST and by GET, each hit with both ranks and the fused score", async () => {
    const byDefault = await api("POST", "/rag/search", { q: "restore a snapshot" });
    expect(byDefault.json).toMatchObject({ mode: "bm25", embedder: "hashed:v1:512" });
    expect(byDefault.json.hits[0]).toMatchObject({ document_name: "backups.md", bm25_rank: 1, vector_rank: null });
    const posted = await api("POST", "/rag/search", { q: "restore a snapshot", mode: "hybrid" });
    expect(posted.status).toBe(200);
    expect(posted.json.mode).toBe("hybrid");
    expect(posted.json.hits[0]).toMatchObject({ document_name: "backups.md", heading: "Backups > Restore", bm25_rank: 1, vector_rank: 1 });
    expect(posted.json.hits[0].fused_score).toBeCloseTo(2 / 61, 10);
    const got = await api("GET", "/rag/search?q=failing%20service&mode=bm25&limit=1");
    expect(got.json.hits).toHaveLength(1);
    expect(got.json.hits[0]).toMatchObject({ document_name: "breakers.html", bm25_rank: 1 });
  });

  it("answers bad input with 4xx naming the field, and refuses paths and URLs it must not read", async () => {
    const none = await api("POST", "/rag/documents", {});
    expect(none.status).toBe(400);
    expect(fields(none.json)).toEqual(["path"]);
    const both = await api("POST", "/rag/documents", { path: "/x", url: "http://example.com/" });
    expect(both.json.error.message).toMatch(/url: give one of path, url or text, not path and url/);
    expect(fields((await api("POST", "/rag/documents", { text: "words" })).json)).toEqual(["name"]);
    expect((await api("POST", "/rag/documents", { text: "words", name: "n", colour: "red" })).json.error.message).toMatch(/colour/);
    expect(fields((await api("POST", "/rag/search", { q: "x", mode: "fuzzy" })).json)).toEqual(["mode"]);
    expect(fields((await api("GET", "/rag/search?limit=0&q=x")).json)).toEqual(["limit"]);
    expect(fields((await api("GET", "/rag/search")).json)).toEqual(["q"]);

    const outside = await api("POST", "/rag/documents", { path: join(dir, "outside.txt") });
    expect(outside.status).toBe(400);
    expect(outside.json.error.code).toBe("PATH_NOT_ALLOWED");
    const escape = await api("POST", "/rag/documents", { path: join(docs, "..", "outside.txt") });
    expect(escape.json.error.code).toBe("PATH_NOT_ALLOWED");
    const metadata = await api("POST", "/rag/documents", { url: "http://169.254.169.254/latest/meta-data/" });
    expect(metadata.status).toBe(400);
    expect(metadata.json.error).toMatchObject({ code: "URL_NOT_ALLOWED" });
    const privateAddress = await api("POST", "/rag/documents", { url: "http://192.168.1.10/doc" });
    expect(privateAddress.json.error.message).toMatch(/private/);
    expect((await api("GET", "/rag/documents")).json.documents).toHaveLength(3);
  });

  it("applies a reload of the rag section at once", async () => {
    const reloaded = () => new Promise<void>((resolve) => {
      const stop = daemon.bus.subscribe("config_reloaded", () => {
        stop();
        resolve();
      });
    });
    const configPath = join(dir, "mcp_server_configs.json");
    let next = reloaded();
    writeFileSync(configPath, JSON.stringify({ servers: [], network: { allow_loopback: true }, rag: { roots: [], max_document_bytes: 1024 } }));
    await next;
    const refused = await api("POST", "/rag/documents", { path: join(docs, "backups.md") });
    expect(refused.json.error).toMatchObject({ code: "PATH_NOT_ALLOWED", message: expect.stringMatching(/rag\.roots/) });
    expect((await api("POST", "/rag/documents", { text: "x".repeat(2000), name: "big.txt" })).status).toBe(413);
    next = reloaded();
    writeFileSync(configPath, JSON.stringify({ servers: [], network: { allow_loopback: true }, rag: { roots: ["docs"] } }));
    await next;
    expect((await api("POST", "/rag/documents", { path: join(docs, "backups.md") })).status).toBe(201);
  }, 30_000);

  it("removes a document, then answers 404 for it", async () => {
    const { json } = await api("POST", "/rag/documents", { text: "temporary words", name: "temp.txt" });
    expect((await api("DELETE", `/rag/documents/${json.document.id}`)).status).toBe(204);
    const again = await api("DELETE", `/rag/documents/${json.document.id}`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("DOCUMENT_NOT_FOUND");
  });

  it("reports the index's real figures in /health/rag and /health", async () => {
    const rag = await api("GET", "/health/rag");
    expect(rag.json).toMatchObject({
      status: "healthy",
      details: { configured: true, documents: 3, chunks: 3, embedder: "hashed:v1:512", index_embedder: "hashed:v1:512" },
    });
    expect(rag.json.details.index_size_bytes).toBeGreaterThan(0);
    expect(rag.json.details.last_ingest_at).toBeGreaterThan(0);
    expect((await api("GET", "/health")).json.components.rag.details.documents).toBe(3);
  });

  it("offers rag__search and rag__ingest through /mcp", async () => {
    const client = new Client({ name: "rag-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(["rag__search", "rag__ingest"]));
      const ingested = await client.callTool({ name: "rag__ingest", arguments: { text: "Blue-green deployments switch traffic between two environments.", name: "deploys.txt" } });
      expect(ingested.isError).toBeFalsy();
      const found = await client.callTool({ name: "rag__search", arguments: { q: "switch traffic between environments", mode: "hybrid", limit: 2 } });
      expect(found.isError).toBeFalsy();
      const result = JSON.parse(textOf(found)) as { hits: { document_name: string; bm25_rank: number | null; fused_score: number }[] };
      expect(result.hits[0]).toMatchObject({ document_name: "deploys.txt", bm25_rank: 1 });
      const bad = await client.callTool({ name: "rag__search", arguments: { q: "" } });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/VALIDATION_FAILED: .*q: must not be empty/);
      const refused = await client.callTool({ name: "rag__ingest", arguments: { url: "http://10.1.2.3/" } });
      expect(textOf(refused)).toMatch(/^URL_NOT_ALLOWED/);
    } finally {
      await client.close();
    }
  });
});

describe("pygent rag", () => {
  it("ingests a local file and a URL, searches showing both ranks, lists and removes", async () => {
    const note = join(dir, "runbook.md");
    writeFileSync(note, "# Runbook\n## Paging\nPage the on-call engineer when the error budget burns too fast.");
    const env = { PYGENT_URL: base };
    const ingest = await runCliCaptured(["rag", "ingest", note, `${pagesBase}/breakers.html`], env);
    expect(ingest.stderr).toBe("");
    expect(ingest.stdout).toMatch(/^Ingested .*runbook\.md: 1 chunk\(s\), id \S+\n/);
    expect(ingest.stdout).toMatch(/Ingested breakers\.html: 1 chunk\(s\), id \S+ \(replaced \S+\)/);

    const search = await runCliCaptured(["rag", "search", "error budget paging", "--mode", "hybrid", "--limit", "2"], env);
    expect(search.code).toBe(0);
    const [header, first] = search.stdout.split("\n");
    expect(header).toMatch(/^\s*SCORE\s+BM25\s+VECTOR\s+FUSED\s+DOCUMENT\s+SECTION\s+TEXT$/);
    expect(first).toMatch(/\s1\s+1\s+0\.0328\s+\S+\s+Runbook > Paging\s+Page the on-call/);
    expect(search.stdout).toMatch(/mode hybrid, embedder hashed:v1:512/);

    const wrong = await runCliCaptured(["rag", "search", "x", "--mode", "fuzzy"], env);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/mode/);

    const list = await runCliCaptured(["rag", "list", "--json"], env);
    const { documents } = JSON.parse(list.stdout) as { documents: { id: string; name: string }[] };
    const runbook = documents.find((doc) => doc.name.endsWith("runbook.md"))!;
    const removed = await runCliCaptured(["rag", "remove", runbook.id], env);
    expect(removed.stdout).toBe(`Removed document ${runbook.id}\n`);
    const missing = await runCliCaptured(["rag", "remove", runbook.id], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/DOCUMENT_NOT_FOUND|no document/);
  });
});

describe("memory over the API", () => {
  it("adds facts, recalls, pages items by kind and keeps working memory", async () => {
    const added = await api("POST", "/memory/planner-1/facts", { content: "The release train leaves every second Tuesday.", importance: 0.9 });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ agent_id: "planner-1", kind: "fact", importance: 0.9 });
    await daemon.memory.recordEpisode("planner-1", "Cut the 2.3 release branch", 0.4);
    await daemon.memory.appendMessages("planner-1", [{ role: "user", content: "when is the next release?" }]);

    const recalled = await api("GET", "/memory/planner-1/recall?q=when%20does%20the%20release%20train%20leave");
    expect(recalled.status).toBe(200);
    expect(recalled.json.results[0]).toMatchObject({ kind: "fact", content: "The release train leaves every second Tuesday." });

    const working = await api("PUT", "/memory/planner-1/working", { content: "goal: plan 2.4" });
    expect(working.json.content).toBe("goal: plan 2.4");
    const page = await api("GET", "/memory/planner-1?limit=2");
    expect(page.json).toMatchObject({ agent_id: "planner-1", total: 3, counts: { message: 1, fact: 1, episode: 1 }, working: { content: "goal: plan 2.4" } });
    expect(page.json.items).toHaveLength(2);
    const facts = await api("GET", "/memory/planner-1?kind=fact");
    expect(facts.json.items.map((item: { kind: string }) => item.kind)).toEqual(["fact"]);
  });

  it("answers bad input with 400 naming the field", async () => {
    expect(fields((await api("POST", "/memory/planner-1/facts", { content: "x", importance: 2 })).json)).toEqual(["importance"]);
    expect(fields((await api("POST", "/memory/planner-1/facts", { content: "  " })).json)).toEqual(["content"]);
    expect(fields((await api("GET", "/memory/bad%20id!")).json)).toEqual(["agentId"]);
    expect(fields((await api("GET", "/memory/planner-1?kind=dream")).json)).toEqual(["kind"]);
    expect(fields((await api("GET", "/memory/planner-1/recall")).json)).toEqual(["q"]);
    const long = await api("PUT", "/memory/planner-1/working", { content: "x".repeat(20_000) });
    expect(long.status).toBe(400);
    expect(fields(long.json)).toEqual(["content"]);
    expect((await api("GET", "/memory/planner-1")).json.working.content).toBe("goal: plan 2.4");
  });

  it("joins the Memory Manager's figures to /health/memory", async () => {
    const { json } = await api("GET", "/health/memory");
    expect(json.details.memory_manager).toMatchObject({ agents_with_memory: 1, items_by_kind: { message: 1, fact: 1, episode: 1 }, working_documents: 1 });
    expect(json.details.memory_manager.store_bytes).toBeGreaterThan(0);
    expect((await api("DELETE", "/memory/planner-1")).status).toBe(204);
    expect((await api("GET", "/health/memory")).json.details.memory_manager.agents_with_memory).toBe(0);
  });
});
