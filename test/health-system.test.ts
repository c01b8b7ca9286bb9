/**
 * System health against real things: a real store, the real manager and monitor with a fixture
 * server, and a real local HTTP server standing in for Ollama (plus a closed port and a server
 * that never answers).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InProcessBus } from "../src/bus/index.js";
import { HealthConfigSchema, type HealthConfig } from "../src/config/schema.js";
import { systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { checkOllama, createHealthMonitor, createSystemHealth, overallStatus, type HealthMonitor, type SystemHealthDeps } from "../src/health/index.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { freePort } from "./helpers/network.js";
import { fixturePath, makeTempDir, removeTempDir } from "./helpers/processes.js";

let dir: string;
let store: Store;
let manager: McpManager;
let monitor: HealthMonitor;
const servers: Server[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An Ollama look-alike: /api/version and /api/tags with the given models. */
function fakeOllama(models: string[], calls: string[] = []): Promise<string> {
  return listen((request, response) => {
    calls.push(`${request.method} ${request.url}`);
    response.setHeader("content-type", "application/json");
    if (request.url === "/api/version") response.end(JSON.stringify({ version: "0.9.0" }));
    else if (request.url === "/api/tags") response.end(JSON.stringify({ models: models.map((name) => ({ name, model: name, size: 1 })) }));
    else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
}

const config = (over: Record<string, unknown>): HealthConfig => HealthConfigSchema.parse(over);

/** System health over this test's store, manager and monitor, reading the given config. */
const systemHealth = (settings: () => HealthConfig, parts: Pick<SystemHealthDeps, "rag" | "memoryManager"> = {}) =>
  createSystemHealth({ store, manager, monitor, clock: systemClock, version: "1.2.3", startedAt: Date.now(), config: settings, ...parts });

beforeEach(async () => {
  dir = makeTempDir("pygent-system-health-");
  store = openStore(dir, systemClock);
  const bus = new InProcessBus();
  manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: newId() });
  await manager.start();
  monitor = createHealthMonitor({ manager, bus, repository: store.health, clock: systemClock, logger: silentLogger() });
  await monitor.start();
});

afterEach(async () => {
  await monitor.stop();
  await manager.stop();
  store.close();
  removeTempDir(dir);
  await Promise.all(
    servers.splice(0).map((server) => {
      // A server that never answers still holds its sockets; end them rather than wait.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    }),
  );
});

describe("ollama component", () => {
  it("is healthy when Ollama answers and has the configured model, and only reads", async () => {
    const calls: string[] = [];
    const url = await fakeOllama(["llama3.2:latest", "qwen2.5:7b"], calls);
    const health = await checkOllama({ url, model: "llama3.2" });
    expect(health.status).toBe("healthy");
    expect(health.details).toMatchObject({ reachable: true, version: "0.9.0", models: ["llama3.2:latest", "qwen2.5:7b"], model_present: true });
    expect(calls.sort()).toEqual(["GET /api/tags", "GET /api/version"]);
  });

  it("warns when the configured model is missing, and never pulls it", async () => {
    const calls: string[] = [];
    const url = await fakeOllama(["qwen2.5:7b"], calls);
    const health = await checkOllama({ url, model: "qwen2.5:14b" });
    expect(health.status).toBe("warning");
    expect(health.reasons[0]).toMatch(/model "qwen2.5:14b" is not pulled/);
    expect(calls.every((call) => call.startsWith("GET "))).toBe(true);
    expect(calls.some((call) => call.includes("pull"))).toBe(false);
  });

  it("is offline when nothing listens on the URL", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const health = await checkOllama({ url });
    expect(health.status).toBe("offline");
    expect(health.reasons[0]).toMatch(/unreachable: ECONNREFUSED/);
    expect(health.details.reachable).toBe(false);
  });

  it("is offline when Ollama does not answer within the timeout", async () => {
    const url = await listen(() => {
      // Never answers.
    });
    const began = Date.now();
    const health = await checkOllama({ url, timeoutMs: 300 });
    expect(health.status).toBe("offline");
    expect(health.reasons[0]).toMatch(/no answer within 0.3 s/);
    expect(Date.now() - began).toBeLessThan(3000);
  });

  it("is critical when Ollama answers with an error", async () => {
    const url = await listen((_request, response) => {
      response.statusCode = 500;
      response.end("boom");
    });
    const health = await checkOllama({ url });
    expect(health.status).toBe("critical");
    expect(health.reasons[0]).toMatch(/HTTP 500/);
  });
});

describe("system health", () => {
  it("reports every component honestly, and the worst essential one overall", async () => {
    await manager.registerServer("echo", { id: "echo", command: [process.execPath, fixturePath("echo-server.mjs")], shutdown_timeout: 2 });
    await monitor.checkNow("echo");
    const ollama = await fakeOllama(["llama3.2:latest"]);
    const system = createSystemHealth({
      store,
      manager,
      monitor,
      clock: systemClock,
      version: "1.2.3",
      startedAt: Date.now() - 5000,
      config: () => config({ ollama_url: ollama, ollama_model: "llama3.2", rss_limit_mb: 100_000 }),
    });
    const report = await system.report();
    expect(report.version).toBe("1.2.3");
    expect(report.uptime_s).toBeGreaterThanOrEqual(5);
    expect(report.components.database).toMatchObject({ status: "healthy", details: { reachable: true, schema_version: expect.any(Number) } });
    expect(report.components.database.details.size_bytes).toBeGreaterThan(0);
    expect(report.components.agents).toMatchObject({ status: "healthy", details: { active_agents: 0, factory_enabled: false } });
    expect(report.components.rag).toEqual({ status: "unknown", reasons: ["retrieval system not configured"], details: { configured: false } });
    expect(report.components.memory.status).toBe("healthy");
    expect(report.components.ollama.status).toBe("healthy");
    expect(report.components.mcp).toMatchObject({
      status: "healthy",
      details: { total: 1, enabled: 1, running: 1, by_status: { healthy: 1 } },
    });
    // rag is unknown (not set up) and does not count against the whole.
    expect(report.status).toBe("healthy");
  });

  it("caps optional components at warning and lets essential ones decide", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    let rssLimit = 100_000;
    const system = systemHealth(() => config({ ollama_url: closed, rss_limit_mb: rssLimit }));
    const withoutOllama = await system.report();
    expect(withoutOllama.components.ollama.status).toBe("offline");
    expect(withoutOllama.status).toBe("warning");

    rssLimit = 1;
    const memory = await system.component("memory");
    expect(memory.status).toBe("critical");
    expect(memory.reasons[0]).toMatch(/^rss \d+(\.\d)? MB >= limit 1 MB$/);
    expect((await system.report()).status).toBe("critical");
  });

  it("reports the mcp component critical when no enabled server is up", async () => {
    await manager.registerServer("ghost", { id: "ghost", command: ["pygent-no-such-command-xyz"] });
    const system = systemHealth(() => config({}));
    const mcp = await system.component("mcp");
    expect(mcp.status).toBe("critical");
    expect(mcp.details).toMatchObject({ total: 1, by_status: { offline: 1 } });
  });

  it("takes offline as critical and counts optional components only once set up", () => {
    const ok = { status: "healthy" as const, reasons: [], details: {} };
    const base = { database: ok, agents: ok, mcp: ok, memory: ok, rag: ok, ollama: ok };
    const all = new Set(["agents", "rag", "ollama"] as const);
    expect(overallStatus({ ...base, database: { ...ok, status: "offline" } }, all)).toBe("critical");
    expect(overallStatus({ ...base, rag: { ...ok, status: "unknown" } }, all)).toBe("healthy");
    expect(overallStatus({ ...base, ollama: { ...ok, status: "critical" } }, all)).toBe("warning");
    expect(overallStatus({ ...base, ollama: { ...ok, status: "offline" } }, new Set())).toBe("healthy");
    expect(overallStatus({ ...base, mcp: { ...ok, status: "unknown" } }, all)).toBe("unknown");
  });

  it("leaves an Ollama nobody configured out of the overall status", async () => {
    // No ollama_url: the default address is still asked, and most machines have no Ollama.
    const system = systemHealth(() => config({ rss_limit_mb: 100_000 }));
    const report = await system.report();
    expect(report.components.ollama.details).toMatchObject({ url: "http://127.0.0.1:11434", configured: false });
    expect(report.status).toBe("healthy");
  });

  it("reports the retrieval index's figures, a warning while it holds another embedder's vectors, counted once set up", async () => {
    const figures = { documents: 3, chunks: 12, embedder: "hashed:v1:512", index_embedder: "hashed:v1:512", index_bytes: 65_536, last_ingest_at: 1_700_000_000_000 };
    let index = figures;
    const memoryFigures = { agents_with_memory: 2, items_by_kind: { message: 4, fact: 1, episode: 3 }, working_documents: 1, store_bytes: 8192 };
    const system = systemHealth(() => config({ rss_limit_mb: 100_000 }), { rag: async () => index, memoryManager: async () => memoryFigures });
    expect(await system.component("rag")).toEqual({
      status: "healthy",
      reasons: [],
      details: { configured: true, documents: 3, chunks: 12, embedder: "hashed:v1:512", index_embedder: "hashed:v1:512", index_size_bytes: 65_536, last_ingest_at: 1_700_000_000_000 },
    });
    expect((await system.component("memory")).details.memory_manager).toEqual(memoryFigures);
    index = { ...figures, index_embedder: "hashed:v1:256" };
    const report = await system.report();
    expect(report.components.rag.status).toBe("warning");
    expect(report.components.rag.reasons[0]).toMatch(/hashed:v1:256, not hashed:v1:512.*pygent rag reindex/);
    expect(report.status).toBe("warning");
  });
});
