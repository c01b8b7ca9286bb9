// GET /api/v1/health over the real MCP manager and a real SQLite store.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { createTestApp, echoEntry, type TestApp } from "../test-support/test-app.js";

let t: TestApp;
let clock: ManualClock;
beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  t = await createTestApp({ clock, startedAt: clock.now() });
});
afterEach(async () => {
  await t.close();
});

const get = () => t.request({ method: "GET", url: "/api/v1/health" });

describe("GET /api/v1/health", () => {
  it("is healthy with no servers, and reports version, uptime and the database", async () => {
    clock.advance(90_500);
    const response = await get();
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ status: "healthy", version: "0.0.0-test", uptime_s: 90 });
    expect(body.components.database.status).toBe("healthy");
    expect(body.components.database.details).toMatchObject({ reachable: true });
    expect(body.components.database.details.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.components.database.details.size_bytes).toBeGreaterThan(0);
    expect(typeof body.components.database.details.wal_bytes).toBe("number");
    expect(body.components.mcp).toMatchObject({ status: "healthy", details: { total: 0 } });
  });

  it("follows the servers: critical when none runs, healthy when all do, warning in between", async () => {
    await t.manager.registerServer("a", echoEntry("a"), { start: false });
    expect((await get()).json()).toMatchObject({ status: "critical", components: { mcp: { status: "critical" } } });

    await t.manager.startServer("a");
    const healthy = (await get()).json();
    expect(healthy.status).toBe("healthy");
    expect(healthy.components.mcp.details.servers).toEqual([{ id: "a", state: "running", enabled: true, reason: null }]);

    await t.manager.registerServer("b", echoEntry("b"), { start: false });
    const warning = (await get()).json();
    expect(warning.status).toBe("warning");
    expect(warning.components.mcp.details.by_state).toMatchObject({ running: 1, stopped: 1 });
  });

  it("is critical when the database cannot be reached", async () => {
    t.store.close();
    const body = (await get()).json();
    expect(body.status).toBe("critical");
    // The component is offline, as in the full report; the daemon answering is not.
    expect(body.components.database).toMatchObject({ status: "offline", details: { reachable: false } });
  });
});
