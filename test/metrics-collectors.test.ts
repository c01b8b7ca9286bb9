/**
 * The Prometheus registry and the orchestration summary, fed by a real bus with hand-made events
 * and reading a fixed server list: what each series says, and that a removed server's series go.
 */
import { afterEach, describe, expect, it } from "vitest";
import { InProcessBus, type HealthMetrics, type HealthStatus, type ServerState } from "../src/bus/index.js";
import { ManualClock } from "../src/core/clock.js";
import {
  EMPTY_METRICS,
  createMetricsSummary,
  createPrometheusMetrics,
  MAX_TOOL_SERIES_PER_SERVER,
  OTHER_TOOL,
  percentile,
  type PrometheusMetrics,
  type MetricsSummarySource,
  type ServerHealth,
} from "../src/health/index.js";
import type { ServerView } from "../src/mcp/index.js";
import { parsePrometheusText, sampleValue } from "./helpers/prometheus-text.js";

const LOCAL = { id: null, name: "local" };


interface FakeServer {
  id: string;
  state: ServerState;
  status: HealthStatus;
  metrics?: Partial<HealthMetrics>;
}

let servers: FakeServer[] = [];
const manager = {
  list: () => servers.map((server) => ({ id: server.id, state: server.state, enabled: true, name: server.id }) as unknown as ServerView),
};
const monitor = {
  list: () =>
    servers.map(
      (server) =>
        ({
          server_id: server.id,
          status: server.status,
          reasons: server.status === "healthy" ? [] : [`${server.id} is ${server.status}`],
          metrics: { ...EMPTY_METRICS, ...server.metrics },
          server_state: server.state,
          checked_at: 1,
        }) as unknown as ServerHealth,
    ),
};

const stoppers: Array<PrometheusMetrics | MetricsSummarySource> = [];
afterEach(() => {
  for (const each of stoppers.splice(0)) each.stop();
  servers = [];
});

function health(bus: InProcessBus, serverId: string, responseMs: number | null, at = 0): void {
  bus.publish({
    type: "health_update",
    server_id: serverId,
    status: "healthy",
    previous_status: null,
    reasons: [],
    metrics: { ...EMPTY_METRICS, response_time_ms: responseMs },
    state: "running",
    at,
  });
}

function status(bus: InProcessBus, serverId: string, restarts: number, at = 0): void {
  bus.publish({ type: "server_status", server_id: serverId, state: "running", previous: "starting", reason: null, pid: 1, restarts, at });
}

describe("Prometheus metrics", () => {
  it("exposes up, status, CPU, memory and alerts from the current state, counters and the histogram from events", async () => {
    const bus = new InProcessBus();
    servers = [
      { id: "a", state: "running", status: "healthy", metrics: { cpu_percent: 12.5, memory_mb: 2 } },
      { id: "b", state: "backoff", status: "offline" },
    ];
    const firing = [{ severity: "critical" }, { severity: "critical" }, { severity: "warning" }];
    const prometheus = createPrometheusMetrics({ bus, manager, monitor, alertsFiring: () => firing, defaultMetrics: false });
    stoppers.push(prometheus);

    health(bus, "a", 4);
    health(bus, "a", 300);
    health(bus, "a", null); // no probe figure (e.g. a liveness update): not observed
    status(bus, "b", 1);
    status(bus, "b", 3);
    status(bus, "b", 3);
    for (const ok of [true, true, false]) {
      bus.publish({ type: "tool_called", server_id: "a", tool: "echo", ok, outcome: ok ? "ok" : "failed", caller: LOCAL, via: "internal", duration_ms: 1, at: 0 });
    }

    const text = await prometheus.render();
    const exposition = parsePrometheusText(text);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(exposition, name, labels);
    expect(value("pygent_server_up", { server_id: "a" })).toBe(1);
    expect(value("pygent_server_up", { server_id: "b" })).toBe(0);
    expect(value("pygent_server_health_status", { server_id: "a", status: "healthy" })).toBe(1);
    expect(value("pygent_server_health_status", { server_id: "a", status: "offline" })).toBe(0);
    expect(value("pygent_server_health_status", { server_id: "b", status: "offline" })).toBe(1);
    expect(value("pygent_server_cpu_percent", { server_id: "a" })).toBe(12.5);
    expect(value("pygent_server_cpu_percent", { server_id: "b" })).toBeUndefined();
    expect(value("pygent_server_memory_bytes", { server_id: "a" })).toBe(2 * 1024 * 1024);
    expect(value("pygent_server_probe_duration_seconds_count", { server_id: "a" })).toBe(2);
    expect(value("pygent_server_probe_duration_seconds_sum", { server_id: "a" })).toBeCloseTo(0.304);
    expect(value("pygent_server_probe_duration_seconds_bucket", { server_id: "a", le: "0.005" })).toBe(1);
    expect(value("pygent_server_probe_duration_seconds_bucket", { server_id: "a", le: "0.5" })).toBe(2);
    expect(value("pygent_server_restarts_total", { server_id: "b" })).toBe(3);
    expect(value("pygent_tool_calls_total", { server_id: "a" })).toBe(3);
    expect(value("pygent_tool_call_errors_total", { server_id: "a" })).toBe(1);
    expect(value("pygent_alerts_firing", { severity: "critical" })).toBe(2);
    expect(value("pygent_alerts_firing", { severity: "warning" })).toBe(1);
    expect(value("pygent_alerts_firing", { severity: "info" })).toBe(0);
    expect(exposition.types.get("pygent_server_restarts_total")).toBe("counter");
    expect(exposition.types.get("pygent_server_probe_duration_seconds")).toBe("histogram");
    expect(prometheus.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("removes a server's series when it is removed, and counts a re-added server's restarts afresh", async () => {
    const bus = new InProcessBus();
    servers = [{ id: "a", state: "running", status: "healthy" }];
    const prometheus = createPrometheusMetrics({ bus, manager, monitor, defaultMetrics: false });
    stoppers.push(prometheus);
    health(bus, "a", 10);
    status(bus, "a", 2);
    bus.publish({ type: "tool_called", server_id: "a", tool: "echo", ok: true, outcome: "ok", caller: LOCAL, via: "internal", duration_ms: 1, at: 0 });

    servers = [];
    bus.publish({ type: "server_removed", server_id: "a" });
    const after = parsePrometheusText(await prometheus.render());
    expect(after.samples.filter((sample) => sample.labels.server_id === "a")).toEqual([]);

    servers = [{ id: "a", state: "running", status: "healthy" }];
    status(bus, "a", 1);
    const again = parsePrometheusText(await prometheus.render());
    expect(sampleValue(again, "pygent_server_restarts_total", { server_id: "a" })).toBe(1);
  });

  it("times tool calls by server, tool, outcome and entry point, with at most MAX_TOOL_SERIES_PER_SERVER tools per server", async () => {
    const bus = new InProcessBus();
    const prometheus = createPrometheusMetrics({ bus, manager, monitor, defaultMetrics: false });
    stoppers.push(prometheus);
    const call = (tool: string, outcome: "ok" | "timeout", via: "rest" | "gateway", ms: number) =>
      bus.publish({ type: "tool_called", server_id: "a", tool, ok: outcome === "ok", outcome, caller: LOCAL, via, duration_ms: ms, at: 0 });
    call("echo", "ok", "rest", 2);
    call("echo", "ok", "rest", 40);
    call("echo", "timeout", "gateway", 60_000);
    for (let i = 0; i < MAX_TOOL_SERIES_PER_SERVER + 5; i++) call(`t${i}`, "ok", "gateway", 1);

    const exposition = parsePrometheusText(await prometheus.render());
    const value = (name: string, labels: Record<string, string>) => sampleValue(exposition, name, { server_id: "a", ...labels });
    expect(value("pygent_tool_call_duration_seconds_count", { tool: "echo", outcome: "ok", via: "rest" })).toBe(2);
    expect(value("pygent_tool_call_duration_seconds_sum", { tool: "echo", outcome: "ok", via: "rest" })).toBeCloseTo(0.042);
    expect(value("pygent_tool_call_duration_seconds_bucket", { tool: "echo", outcome: "ok", via: "rest", le: "0.005" })).toBe(1);
    expect(value("pygent_tool_call_duration_seconds_count", { tool: "echo", outcome: "timeout", via: "gateway" })).toBe(1);
    const tools = new Set(
      exposition.samples.filter((sample) => sample.name === "pygent_tool_call_duration_seconds_count").map((sample) => sample.labels.tool),
    );
    expect(tools.size).toBe(MAX_TOOL_SERIES_PER_SERVER + 1);
    // echo and the first 99 others have series of their own; the last six share one.
    expect(value("pygent_tool_call_duration_seconds_count", { tool: OTHER_TOOL, outcome: "ok", via: "gateway" })).toBe(6);
  });

  it("follows alert events when no alert service is given, and includes the daemon's process metrics", async () => {
    const bus = new InProcessBus();
    const prometheus = createPrometheusMetrics({ bus, manager, monitor });
    stoppers.push(prometheus);
    const alert = (alert_id: string, state: "firing" | "resolved") =>
      bus.publish({
        type: "alert",
        alert_id,
        rule_id: "r",
        server_id: "a",
        severity: "warning",
        state,
        summary: "",
        labels: {},
        at: 0,
      });
    alert("1", "firing");
    alert("2", "firing");
    alert("1", "resolved");
    const exposition = parsePrometheusText(await prometheus.render());
    expect(sampleValue(exposition, "pygent_alerts_firing", { severity: "warning" })).toBe(1);
    expect(sampleValue(exposition, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });
});

describe("metrics summary", () => {
  it("computes the nearest-rank percentile", () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile([5, 1, 3], 50)).toBe(3);
  });

  it("sums up health, latency over the last probes, tool calls, restarts in the last hour, daemon and alerts", () => {
    const bus = new InProcessBus();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const startedAt = clock.now() - 90_000;
    servers = [
      { id: "a", state: "running", status: "healthy" },
      { id: "b", state: "running", status: "warning" },
      { id: "c", state: "backoff", status: "offline" },
    ];
    const summary = createMetricsSummary({
      bus,
      manager,
      monitor,
      clock,
      startedAt,
      alertsFiring: () => [{ severity: "critical" }],
    });
    stoppers.push(summary);

    for (let i = 1; i <= 30; i++) health(bus, "a", i); // only the last 20 (11..30) count
    health(bus, "b", 100);
    status(bus, "c", 2, clock.now() - 2 * 3_600_000); // two restarts long ago
    status(bus, "c", 5, clock.now() - 60_000); // three within the hour
    for (const ok of [true, false, true, true]) {
      bus.publish({ type: "tool_called", server_id: "a", tool: "echo", ok, outcome: ok ? "ok" : "failed", caller: LOCAL, via: "internal", duration_ms: 1, at: 0 });
    }

    const result = summary.summary();
    expect(result.health).toMatchObject({
      status: "warning",
      servers: 3,
      running: 2,
      by_status: { healthy: 1, warning: 1, critical: 0, unknown: 0, offline: 1 },
    });
    expect(result.health.reasons.join("\n")).toContain("c is offline");
    const latencies = [...Array.from({ length: 20 }, (_, i) => i + 11), 100];
    expect(result.performance.response_time_ms).toEqual({
      avg: Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 10) / 10,
      p95: 30,
      samples: 21,
    });
    expect(result.performance.tool_calls).toEqual({ total: 4, errors: 1, error_rate: 25 });
    expect(result.performance.restarts_last_hour).toBe(3);
    expect(result.daemon.uptime_s).toBe(90);
    expect(result.daemon.rss_bytes).toBeGreaterThan(0);
    expect(result.daemon.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(result.alerts).toEqual({ firing: 1, by_severity: { info: 0, warning: 0, critical: 1 } });

    // An hour on, the restarts have aged out; a removed server's probes no longer count.
    clock.advance(3_600_000);
    bus.publish({ type: "server_removed", server_id: "b" });
    const later = summary.summary();
    expect(later.performance.restarts_last_hour).toBe(0);
    expect(later.performance.response_time_ms.samples).toBe(20);
  });
});
