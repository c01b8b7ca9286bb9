/**
 * Liveness: a stdio server that stops serving while its process lives on is ended and restarted
 * with the cause as its reason, never left `running` — its stdout closed, its stdout flooded past
 * the message cap without a newline, or its event loop blocked so that health checks fail in a row.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appPerTest } from "../src/api/test-support/test-app.js";
import { InProcessBus, type DomainEvent, type HealthUpdateEvent, type ServerStatusEvent } from "../src/bus/index.js";
import { HealthConfigSchema } from "../src/config/schema.js";
import { systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { createHealthMonitor, type HealthMonitor } from "../src/health/index.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { isAlive, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let store: Store;
let bus: InProcessBus;
let events: DomainEvent[];
let manager: McpManager;
let monitor: HealthMonitor | undefined;

beforeEach(async () => {
  dir = makeTempDir("pygent-liveness-");
  store = openStore(dir, systemClock);
  bus = new InProcessBus();
  events = [];
  bus.subscribeAll((event) => events.push(event));
  manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: newId() });
  await manager.start();
});

afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
  await manager.stop();
  store.close();
  removeTempDir(dir);
});

const statuses = (id: string) =>
  events.filter((event): event is ServerStatusEvent => event.type === "server_status" && event.server_id === id);

/**
 * Registers a fixture and returns its first pid and a wait budget scaled from how long it took
 * to start, so that a loaded machine stretches the waits instead of failing them.
 */
async function startFixture(id: string, file: string, extra: Record<string, unknown> = {}) {
  const began = Date.now();
  const view = await manager.registerServer(id, fixtureServer(id, file, { startup_timeout: 20, ...extra }));
  expect(view.state).toBe("running");
  return { pid: view.pid!, budgetMs: Math.max(15_000, 20 * (Date.now() - began)) };
}

/**
 * A server whose event loop blocks on the first ping, checked every second with a probe timeout
 * of `probeTimeout` s (1 by default); `spread: false` checks each new run at once.
 */
async function startStuckAndMonitor(
  id: string,
  restartAfterFailedChecks: number,
  { extra = {}, probeTimeout = 1, spread = true }: { extra?: Record<string, unknown>; probeTimeout?: number; spread?: boolean } = {},
) {
  const started = await startFixture(id, "blocks-on-ping.mjs", { health_check_interval: 1, restart_after_failed_checks: restartAfterFailedChecks, ...extra });
  const config = HealthConfigSchema.parse({ probe_timeout: probeTimeout });
  const random = spread ? {} : { random: () => 0 };
  monitor = createHealthMonitor({ manager, bus, repository: store.health, clock: systemClock, logger: silentLogger(), config, ...random });
  await monitor.start();
  return started;
}

/** Waits for the server to leave `running` by itself and come back with a new process, the old one gone. */
async function expectRestarted(id: string, oldPid: number, budgetMs: number): Promise<ServerStatusEvent> {
  const lost = await waitFor(() => statuses(id).find((event) => event.previous === "running" && event.state === "backoff"), {
    timeoutMs: budgetMs,
    message: `${id} to leave running`,
  });
  const view = await waitFor(() => {
    const current = manager.get(id);
    return current.state === "running" && current.pid !== oldPid ? current : undefined;
  }, { timeoutMs: budgetMs, message: `${id} running again with a new pid` });
  expect(view.restarts).toBe(1);
  // The old process was ended before the new one started, never both at once.
  expect(isAlive(oldPid)).toBe(false);
  return lost;
}

// Each test waits up to twice its start-scaled budget, which may pass the suite's 30 s default.
describe("liveness", { timeout: 120_000 }, () => {
  it("restarts a server that closes its stdout but stays alive, with the reason", async () => {
    const { pid, budgetMs } = await startFixture("mute", "closes-stdout.mjs");
    await expect(manager.ping("mute")).rejects.toThrow();
    const lost = await expectRestarted("mute", pid, budgetMs);
    expect(lost.reason).toMatch(/^stdout closed; restarting in /);
    expect((await manager.events("mute")).some((event) => event.kind === "exited" && event.detail === "stdout closed")).toBe(true);
  });

  it("restarts a server that floods stdout past the message cap without a newline", async () => {
    const { pid, budgetMs } = await startFixture("flood", "floods-stdout.mjs");
    await expect(manager.ping("flood")).rejects.toThrow();
    const lost = await expectRestarted("flood", pid, budgetMs);
    expect(lost.reason).toMatch(/^message over 16 MiB cap; restarting in /);
  });

  it("restarts a server whose health checks fail restart_after_failed_checks times in a row", async () => {
    const { pid, budgetMs } = await startStuckAndMonitor("stuck", 2);
    const lost = await expectRestarted("stuck", pid, budgetMs);
    expect(lost.reason).toMatch(/^2 consecutive health checks failed: ping timed out after 1 s; restarting in /);
    const failedChecks = events.filter(
      (event): event is HealthUpdateEvent => event.type === "health_update" && event.server_id === "stuck" && event.metrics.consecutive_failures > 0,
    );
    expect(failedChecks.map((event) => event.metrics.consecutive_failures).slice(0, 2)).toEqual([1, 2]);
  });

  it("leaves a server that hangs after every restart in crash_loop, however long detection takes", async () => {
    // Each run is checked at once and hangs on that check; detection takes the probe timeout,
    // which alone reaches restart_stable_after. Counted up to its detection, every run would look
    // stable and wipe the failure count, and the server would be restarted forever.
    const { budgetMs } = await startStuckAndMonitor("hangs", 1, {
      extra: { restart_stable_after: 2, restart_max_failures: 2, shutdown_timeout: 1, restart_backoff_initial: 0.2, restart_backoff_max: 0.4 },
      probeTimeout: 2,
      spread: false,
    });
    const view = await waitFor(() => {
      const current = manager.get("hangs");
      return current.state === "crash_loop" || current.restarts > 2 ? current : undefined;
    }, { timeoutMs: 2 * budgetMs, message: "hangs to end in crash_loop" });
    expect(view).toMatchObject({ state: "crash_loop", restarts: 2 });
    expect(view.reason).toMatch(
      /^3 failures within 300 s \(limit 2\); not restarting; last failure: 1 consecutive health checks failed: ping timed out after 2 s/,
    );
  });

  it("leaves a failing server to its checks when restart_after_failed_checks is 0", async () => {
    const { pid, budgetMs } = await startStuckAndMonitor("kept", 0);
    await waitFor(
      () => events.some((event) => event.type === "health_update" && event.server_id === "kept" && event.metrics.consecutive_failures >= 4),
      { timeoutMs: budgetMs, message: "four failed checks in a row" },
    );
    expect(manager.get("kept")).toMatchObject({ state: "running", pid, restarts: 0 });
    expect(isAlive(pid)).toBe(true);
  });
});

describe("an answer over the message cap", () => {
  const newApp = appPerTest();
  const REQUEST_TIMEOUT_S = 120;

  // Long enough for the bug this guards against (a call that waits out request_timeout) to show as a 504, not a test timeout.
  it("fails the tool call at once with RESPONSE_TOO_LARGE, then restarts the server", { timeout: (REQUEST_TIMEOUT_S + 30) * 1000 }, async () => {
    const t = await newApp();
    const entry = fixtureServer("huge", "huge-line.mjs", {
      env: { HUGE_LINE_AT: "call", HUGE_BYTES: String(50 * 1024 * 1024) },
      request_timeout: REQUEST_TIMEOUT_S,
      startup_timeout: 60,
    });
    await t.manager.registerServer("huge", entry);
    const first = await waitFor(() => (t.manager.get("huge").state === "running" ? t.manager.get("huge") : undefined), { timeoutMs: 60_000, message: "huge running" });
    const began = Date.now();
    const response = await t.request({ method: "POST", url: "/api/v1/mcp/servers/huge/tools/huge/call", payload: { arguments: {} } });
    const elapsedMs = Date.now() - began;
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe("RESPONSE_TOO_LARGE");
    expect(response.json().error.message).toMatch(/response_too_large: .*message over 16 MiB cap/);
    expect(elapsedMs).toBeLessThan((REQUEST_TIMEOUT_S * 1000) / 4);
    const again = await waitFor(() => {
      const view = t.manager.get("huge");
      return view.state === "running" && view.pid !== first.pid ? view : undefined;
    }, { timeoutMs: 60_000, message: "huge running again" });
    expect(again.restarts).toBeGreaterThanOrEqual(1);
  });
});
