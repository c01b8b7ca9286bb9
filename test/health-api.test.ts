/**
 * The health routes over the real app, manager, monitor and store: a server's health, its
 * history, "check now", the changes in what it serves, and the system health components.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../src/api/app.js";
import { InProcessBus } from "../src/bus/index.js";
import { HealthConfigSchema } from "../src/config/schema.js";
import { systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { createHealthMonitor, createSystemHealth, type HealthMonitor } from "../src/health/index.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { freePort } from "./helpers/network.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const PORT = 8080;

let dir: string;
let store: Store;
let manager: McpManager;
let monitor: HealthMonitor;
let app: FastifyInstance;

const request = (options: InjectOptions) => app.inject({ ...options, headers: { host: `127.0.0.1:${PORT}`, ...options.headers } });

beforeEach(async () => {
  dir = makeTempDir("pygent-health-api-");
  store = openStore(dir, systemClock);
  const bus = new InProcessBus();
  manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: newId() });
  await manager.start();
  const config = HealthConfigSchema.parse({ ollama_url: `http://127.0.0.1:${await freePort()}` });
  monitor = createHealthMonitor({ manager, bus, repository: store.health, clock: systemClock, logger: silentLogger(), config });
  await monitor.start();
  const startedAt = Date.now();
  const system = createSystemHealth({ store, manager, monitor, clock: systemClock, version: "0.0.0-test", startedAt, config: () => config });
  app = await buildApp({
    manager,
    store,
    logger: silentLogger(),
    clock: systemClock,
    version: "0.0.0-test",
    startedAt,
    bind: { host: "127.0.0.1", port: PORT },
    health: { monitor, system },
  });
  await manager.registerServer("echo", {
    id: "echo",
    command: [process.execPath, fixturePath("echo-server.mjs")],
    shutdown_timeout: 2,
    health_check_interval: 60,
  });
});

afterEach(async () => {
  await app.close();
  await monitor.stop();
  await manager.stop();
  store.close();
  removeTempDir(dir);
});

describe("server health routes", () => {
  it("checks a server now and shows its current health with a trend", async () => {
    const check = await request({ method: "POST", url: "/api/v1/mcp/servers/echo/health/check" });
    expect(check.statusCode).toBe(200);
    expect(check.json()).toMatchObject({
      server_id: "echo",
      status: "healthy",
      reasons: [],
      server_state: "running",
      response_method: "ping",
      check_interval_s: 60,
      thresholds: { response_time_ms: { warning: 1000, critical: 5000 } },
      capabilities: { tools: 2, resources: 1, prompts: 1 },
    });
    expect(check.json().metrics.response_time_ms).toBeGreaterThan(0);

    const current = await request({ method: "GET", url: "/api/v1/mcp/servers/echo/health" });
    expect(current.statusCode).toBe(200);
    expect(current.json()).toMatchObject({ status: "healthy", trend: { window_ms: 3_600_000 } });
  });

  it("serves history with ms or ISO 8601 times and names a bad time field", async () => {
    await monitor.checkNow("echo");
    await monitor.checkNow("echo");
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = String(Date.now() + 1000);
    const history = await request({ method: "GET", url: `/api/v1/mcp/servers/echo/health/history?from=${from}&to=${to}&resolution=raw` });
    expect(history.statusCode).toBe(200);
    const body = history.json();
    expect(body.resolution).toBe("raw");
    expect(body.points.length).toBeGreaterThanOrEqual(1);
    expect(body.points[0]).toMatchObject({ ok: true, status: "healthy" });

    const auto = await request({ method: "GET", url: "/api/v1/mcp/servers/echo/health/history" });
    expect(auto.json()).toMatchObject({ resolution: "raw", truncated: false });
    const minutes = await request({ method: "GET", url: "/api/v1/mcp/servers/echo/health/history?resolution=minute" });
    expect(minutes.json().points[0]).toMatchObject({ count: expect.any(Number), latency_p95: expect.any(Number) });

    const bad = await request({ method: "GET", url: "/api/v1/mcp/servers/echo/health/history?from=yesterday" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("VALIDATION_FAILED");
    expect(bad.json().error.details.issues[0]).toMatchObject({ field: "from", message: expect.stringMatching(/ISO 8601/) });

    const reversed = await request({ method: "GET", url: `/api/v1/mcp/servers/echo/health/history?from=${Date.now()}&to=${Date.now() - 1000}` });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error.details.issues[0].field).toBe("from");

    const badResolution = await request({ method: "GET", url: "/api/v1/mcp/servers/echo/health/history?resolution=day" });
    expect(badResolution.statusCode).toBe(400);
    expect(badResolution.json().error.details.issues[0].field).toBe("resolution");
  });

  it("lists the changes in what a server serves, newest first, naming the fields that changed", async () => {
    const description = join(dir, "description.txt");
    writeFileSync(description, "Echoes back the given text.");
    await manager.registerServer("drift", {
      id: "drift",
      command: [process.execPath, fixturePath("echo-server.mjs")],
      env: { TOOL_DESCRIPTION_FILE: description },
      shutdown_timeout: 2,
      health_check_interval: 60,
    });
    await monitor.checkNow("drift");
    const none = await request({ method: "GET", url: "/api/v1/mcp/servers/drift/capabilities/changes" });
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({ server_id: "drift", changes: [] });

    writeFileSync(description, "Echoes back the given text, and keeps a copy.");
    await manager.restartServer("drift");
    const changes = await waitFor(
      async () => {
        const response = await request({ method: "GET", url: "/api/v1/mcp/servers/drift/capabilities/changes" });
        const body = response.json() as { changes: unknown[] };
        return body.changes.length > 0 ? body.changes : undefined;
      },
      { timeoutMs: 20_000, message: "the change to be recorded" },
    );
    expect(changes).toEqual([
      expect.objectContaining({ added: [], removed: [], changed: [{ kind: "tool", name: "echo", fields: ["description"] }], at: expect.any(Number) }),
    ]);

    const badLimit = await request({ method: "GET", url: "/api/v1/mcp/servers/drift/capabilities/changes?limit=0" });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().error.details.issues[0].field).toBe("limit");
    const missing = await request({ method: "GET", url: "/api/v1/mcp/servers/nope/capabilities/changes" });
    expect(missing.statusCode).toBe(404);
  });

  it("answers 404 for an unknown server and 400 for a bad id", async () => {
    const missing = await request({ method: "GET", url: "/api/v1/mcp/servers/nope/health" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("SERVER_NOT_FOUND");
    const check = await request({ method: "POST", url: "/api/v1/mcp/servers/nope/health/check" });
    expect(check.statusCode).toBe(404);
    const bad = await request({ method: "GET", url: "/api/v1/mcp/servers/-bad/health/history" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INVALID_ID");
  });
});

describe("system health routes", () => {
  it("reports every component, and each on its own route", async () => {
    await monitor.checkNow("echo");
    const overall = await request({ method: "GET", url: "/api/v1/health" });
    expect(overall.statusCode).toBe(200);
    const body = overall.json();
    expect(Object.keys(body.components).sort()).toEqual(["agents", "database", "mcp", "memory", "ollama", "rag"]);
    expect(body).toMatchObject({ version: "0.0.0-test", status: "warning" });
    expect(body.components.ollama.status).toBe("offline");
    expect(body.components.mcp.details.servers[0]).toMatchObject({ id: "echo", status: "healthy", state: "running" });

    for (const component of ["database", "agents", "mcp", "memory", "rag", "ollama"]) {
      const response = await request({ method: "GET", url: `/api/v1/health/${component}` });
      expect(response.statusCode, component).toBe(200);
      expect(response.json(), component).toMatchObject({ status: expect.any(String), reasons: expect.any(Array), details: expect.any(Object) });
    }
    expect((await request({ method: "GET", url: "/api/v1/health/rag" })).json()).toMatchObject({
      status: "unknown",
      reasons: ["retrieval system not configured"],
    });
    expect((await request({ method: "GET", url: "/api/v1/health/agents" })).json().details.active_agents).toBe(0);
    expect((await request({ method: "GET", url: "/api/v1/health/nothing" })).statusCode).toBe(404);
  });

  it("answers by one rule whether or not the app has the health monitor", async () => {
    // A database that stops answering: offline in both reports.
    const unreachable = { ...store, ping: () => Promise.reject(new Error("SQLITE_IOERR")), info: () => Promise.reject(new Error("SQLITE_IOERR")) };
    const config = HealthConfigSchema.parse({});
    const startedAt = Date.now();
    const base = { manager, logger: silentLogger(), clock: systemClock, version: "0.0.0-test", startedAt, bind: { host: "127.0.0.1", port: PORT } };
    const system = createSystemHealth({ store: unreachable, manager, monitor, clock: systemClock, version: "0.0.0-test", startedAt, config: () => config });
    const full = await buildApp({ ...base, store: unreachable, health: { monitor, system } });
    const basic = await buildApp({ ...base, store: unreachable });
    try {
      const overall = async (assembled: FastifyInstance) =>
        (await assembled.inject({ method: "GET", url: "/api/v1/health", headers: { host: `127.0.0.1:${PORT}` } })).json() as {
          status: string;
          components: Record<string, { status: string }>;
        };
      const answers = async () => ({ full: await overall(full), basic: await overall(basic) });

      // Database offline, servers all up.
      let both = await answers();
      expect([both.full.components.database!.status, both.basic.components.database!.status]).toEqual(["offline", "offline"]);
      expect(both.basic.status).toBe(both.full.status);

      // Database offline and the only server down: an offline and a critical component.
      await manager.stopServer("echo");
      both = await answers();
      expect([both.full.components.mcp!.status, both.basic.components.mcp!.status]).toEqual(["critical", "critical"]);
      expect(both.full.status).toBe("critical");
      expect(both.basic.status).toBe(both.full.status);
    } finally {
      await full.close();
      await basic.close();
    }
  });
});
