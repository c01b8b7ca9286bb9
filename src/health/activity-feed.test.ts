import { afterEach, describe, expect, it } from "vitest";
import { InProcessBus, type EventOf, type HealthStatus, type ServerState } from "../bus/index.js";
import { ManualClock } from "../core/clock.js";
import type { ServerView } from "../mcp/index.js";
import { createActivityFeed, type ActivityFeed } from "./activity-feed.js";
import { ACTIVITY_WINDOW_MS, createMetricsSummary, type MetricsSummarySource } from "./metrics-summary.js";
import { EMPTY_METRICS, type ServerHealth } from "./monitor.js";

const SERVERS: { id: string; state: ServerState; status: HealthStatus }[] = [
  { id: "a", state: "running", status: "healthy" },
  { id: "b", state: "running", status: "critical" },
  { id: "c", state: "stopped", status: "offline" },
];
const manager = { list: () => SERVERS.map((server) => ({ id: server.id, state: server.state, enabled: true, name: server.id }) as unknown as ServerView) };
const monitor = {
  list: () =>
    SERVERS.map(
      (server) =>
        ({ server_id: server.id, status: server.status, reasons: [], metrics: EMPTY_METRICS, server_state: server.state, checked_at: 1 }) as unknown as ServerHealth,
    ),
};

const stoppers: Array<MetricsSummarySource | ActivityFeed> = [];
afterEach(() => {
  for (const each of stoppers.splice(0)) each.stop();
});

function setUp() {
  const bus = new InProcessBus();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const summary = createMetricsSummary({ bus, manager, monitor, clock, startedAt: clock.now(), alertsFiring: () => [{ severity: "warning" }] });
  stoppers.push(summary);
  const call = (outcome: EventOf<"tool_called">["outcome"]): void =>
    bus.publish({ type: "tool_called", server_id: "a", tool: "echo", ok: outcome === "ok", outcome, caller: { id: null, name: "local" }, via: "rest", duration_ms: 1, at: clock.now() });
  return { bus, clock, summary, call };
}

describe("the daemon's activity", () => {
  it("counts calls per second and the error rate over the last minute, cancelled calls as calls, not errors", () => {
    const { clock, summary, call } = setUp();
    expect(summary.activity().tool_calls).toEqual({ per_second: 0, calls: 0, errors: 0, error_rate: null, total: 0 });

    for (let i = 0; i < 9; i++) call("ok");
    call("failed");
    call("timeout");
    call("cancelled");
    expect(summary.activity().tool_calls).toEqual({ per_second: 0.2, calls: 12, errors: 2, error_rate: 16.7, total: 12 });

    // Out of the window, the calls no longer count in the rate; the total keeps them.
    clock.advance(ACTIVITY_WINDOW_MS + 5000);
    call("failed");
    expect(summary.activity().tool_calls).toEqual({ per_second: 0.02, calls: 1, errors: 1, error_rate: 100, total: 13 });
  });

  it("gives restarts in the last hour, servers by status and alerts firing", () => {
    const { bus, clock, summary } = setUp();
    const status = (restarts: number): void =>
      bus.publish({ type: "server_status", server_id: "b", state: "running", previous: "starting", reason: null, pid: 1, restarts, at: clock.now() });
    status(0);
    status(2);
    const activity = summary.activity();
    expect(activity.restarts_last_hour).toBe(2);
    expect(activity.servers).toEqual({ total: 3, running: 2, by_status: { healthy: 1, warning: 0, critical: 1, unknown: 0, offline: 1 } });
    expect(activity.alerts_firing).toBe(1);
    expect(activity.at).toBe(clock.now());
    clock.advance(3_600_001);
    expect(summary.activity().restarts_last_hour).toBe(0);
  });

  it("publishes the figures at once and every interval while they are wanted, and nothing otherwise", () => {
    const { bus, clock, summary, call } = setUp();
    const feed = createActivityFeed({ bus, clock, figures: () => summary.activity(), intervalMs: 2000 });
    stoppers.push(feed);
    const seen: EventOf<"metrics_activity">[] = [];
    bus.subscribe("metrics_activity", (event) => seen.push(event));

    clock.advance(10_000);
    expect(seen).toHaveLength(0);

    feed.demand(true);
    expect(seen).toHaveLength(1);
    feed.demand(true);
    expect(seen).toHaveLength(1);
    call("ok");
    clock.advance(2000);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatchObject({ type: "metrics_activity", tool_calls: { calls: 1, total: 1 }, at: clock.now() });

    feed.demand(false);
    clock.advance(10_000);
    expect(seen).toHaveLength(2);

    feed.demand(true);
    feed.stop();
    feed.demand(true);
    clock.advance(10_000);
    expect(seen).toHaveLength(3);
  });
});
