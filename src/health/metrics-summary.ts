/**
 * The orchestration view's figures (the seed's "system-wide health assessment" and "performance
 * metrics"): health counts and the overall MCP status from the monitor, recent probe latency,
 * tool-call totals and restarts from bus events, and the daemon's own CPU and memory.
 *
 * It also gives the Overview's activity (`activity()`): tool calls per second and their error rate
 * over the last ACTIVITY_WINDOW_MS, restarts in the last hour, servers by status, alerts firing.
 *
 * Everything kept between calls is bounded: the last RECENT_PROBES response times per server
 * (dropped with the server), restart times of the last hour, the calls' window as a fixed ring of
 * buckets (error-window.ts), and a few totals.
 */
import type { MessageBus, Unsubscribe } from "../bus/bus.js";
import type { ActivityFigures, HealthStatus } from "../bus/events.js";
import type { Clock } from "../core/clock.js";
import { ErrorWindow } from "./error-window.js";
import type { McpManager } from "../mcp/manager-types.js";
import type { FiringAlertLike } from "./metrics-prometheus.js";
import type { HealthMonitor } from "./monitor.js";
import { HEALTH_STATUSES } from "./status.js";
import { mcpHealth } from "./system-health.js";

export interface MetricsSummary {
  at: number;
  health: {
    /** The MCP servers' overall status, by the same rule as /api/v1/health/mcp. */
    status: HealthStatus;
    reasons: string[];
    servers: number;
    running: number;
    by_status: Record<HealthStatus, number>;
  };
  performance: {
    /** Across every server's last RECENT_PROBES successful probes. */
    response_time_ms: { avg: number | null; p95: number | null; samples: number };
    /** Since the daemon started. error_rate is in percent (0-100), null before the first call. */
    tool_calls: { total: number; errors: number; error_rate: number | null };
    restarts_last_hour: number;
  };
  daemon: {
    uptime_s: number;
    /** Percent of one core since the previous reading (at least a second apart). */
    cpu_percent: number;
    rss_bytes: number;
    heap_used_bytes: number;
    heap_total_bytes: number;
  };
  alerts: { firing: number; by_severity: Record<string, number> };
}

export interface MetricsSummarySource {
  summary(): MetricsSummary;
  activity(): ActivityFigures;
  stop(): void;
}

export interface MetricsSummaryDeps {
  bus: MessageBus;
  manager: Pick<McpManager, "list">;
  monitor: Pick<HealthMonitor, "list">;
  clock: Clock;
  /** When the daemon started, ms since the epoch. */
  startedAt: number;
  alertsFiring?: (() => readonly FiringAlertLike[]) | undefined;
}

/** Probes kept per server for the latency figures. */
export const RECENT_PROBES = 20;
const HOUR_MS = 3_600_000;
/** The window the activity's call rate and error rate cover. */
export const ACTIVITY_WINDOW_MS = 60_000;
/** A restart storm cannot grow the list past this; the count saturates instead. */
const MAX_RESTART_TIMES = 10_000;
const CPU_MIN_SPAN_MS = 1000;

const round1 = (value: number) => Math.round(value * 10) / 10;

/** The nearest-rank percentile of the values (0 < p <= 100); null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

export function createMetricsSummary(deps: MetricsSummaryDeps): MetricsSummarySource {
  const recent = new Map<string, number[]>();
  const restartTimes: number[] = [];
  const restartsSeen = new Map<string, number>();
  let toolCalls = 0;
  let toolErrors = 0;
  const recentCalls = new ErrorWindow(ACTIVITY_WINDOW_MS);
  const firingFromEvents = new Map<string, string>();

  // CPU over the span since the last reading; the first covers the process's lifetime
  // (process.cpuUsage() counts from process start, where performance.now() is 0).
  let cpuMark: { cpu: NodeJS.CpuUsage; wallMs: number } = { cpu: { user: 0, system: 0 }, wallMs: 0 };
  let cpuPercent = 0;

  const pruneRestarts = (now: number): void => {
    let expired = 0;
    while (expired < restartTimes.length && (restartTimes[expired] ?? now) < now - HOUR_MS) expired++;
    if (expired > 0) restartTimes.splice(0, expired);
  };

  const { bus } = deps;
  const unsubscribes: Unsubscribe[] = [
    bus.subscribe("health_update", (event) => {
      const ms = event.metrics.response_time_ms;
      if (ms === null) return;
      let ring = recent.get(event.server_id);
      if (!ring) recent.set(event.server_id, (ring = []));
      ring.push(ms);
      if (ring.length > RECENT_PROBES) ring.shift();
    }),
    bus.subscribe("server_status", (event) => {
      const before = restartsSeen.get(event.server_id) ?? 0;
      restartsSeen.set(event.server_id, event.restarts);
      if (event.restarts <= before) return;
      pruneRestarts(event.at);
      for (let i = before; i < event.restarts && restartTimes.length < MAX_RESTART_TIMES; i++) restartTimes.push(event.at);
    }),
    bus.subscribe("tool_called", (event) => {
      toolCalls++;
      if (!event.ok) toolErrors++;
      recentCalls.record(event.ok || event.outcome === "cancelled", event.at);
    }),
    bus.subscribe("alert", (event) => {
      if (event.state === "firing") firingFromEvents.set(event.alert_id, event.severity);
      else firingFromEvents.delete(event.alert_id);
    }),
    bus.subscribe("server_removed", ({ server_id }) => {
      recent.delete(server_id);
      restartsSeen.delete(server_id);
    }),
  ];

  const alertsFiring = deps.alertsFiring ?? (() => [...firingFromEvents.values()].map((severity) => ({ severity })));

  const servers = () => {
    const mcp = mcpHealth(deps.manager, deps.monitor);
    const details = mcp.details as { total: number; running: number; by_status: Record<HealthStatus, number> };
    const byStatus = Object.fromEntries(HEALTH_STATUSES.map((status) => [status, details.by_status[status] ?? 0])) as Record<HealthStatus, number>;
    return { mcp, total: details.total, running: details.running, by_status: byStatus };
  };

  return {
    activity() {
      const now = deps.clock.now();
      pruneRestarts(now);
      const window = recentCalls.rate(now);
      const { total, running, by_status } = servers();
      return {
        window_s: ACTIVITY_WINDOW_MS / 1000,
        tool_calls: {
          per_second: Math.round((window.events / (ACTIVITY_WINDOW_MS / 1000)) * 100) / 100,
          calls: window.events,
          errors: window.failures,
          error_rate: window.rate === null ? null : round1(window.rate),
          total: toolCalls,
        },
        restarts_last_hour: restartTimes.length,
        servers: { total, running, by_status },
        alerts_firing: alertsFiring().length,
        at: now,
      };
    },
    summary() {
      const now = deps.clock.now();
      const { mcp, total, running, by_status: byStatus } = servers();

      const latencies = [...recent.values()].flat();
      const avg = latencies.length === 0 ? null : round1(latencies.reduce((sum, value) => sum + value, 0) / latencies.length);
      const p95 = percentile(latencies, 95);
      pruneRestarts(now);

      const wallMs = performance.now();
      const spanMs = wallMs - cpuMark.wallMs;
      if (spanMs >= CPU_MIN_SPAN_MS) {
        const cpu = process.cpuUsage();
        const usedUs = cpu.user - cpuMark.cpu.user + (cpu.system - cpuMark.cpu.system);
        cpuPercent = round1(Math.max(0, (usedUs / 1000 / spanMs) * 100));
        cpuMark = { cpu, wallMs };
      }
      const memory = process.memoryUsage();

      const bySeverity: Record<string, number> = { info: 0, warning: 0, critical: 0 };
      let firing = 0;
      for (const alert of alertsFiring()) {
        bySeverity[alert.severity] = (bySeverity[alert.severity] ?? 0) + 1;
        firing++;
      }

      return {
        at: now,
        health: { status: mcp.status, reasons: mcp.reasons, servers: total, running, by_status: byStatus },
        performance: {
          response_time_ms: { avg, p95: p95 === null ? null : round1(p95), samples: latencies.length },
          tool_calls: {
            total: toolCalls,
            errors: toolErrors,
            error_rate: toolCalls === 0 ? null : round1((toolErrors / toolCalls) * 100),
          },
          restarts_last_hour: restartTimes.length,
        },
        daemon: {
          uptime_s: Math.max(0, Math.floor((now - deps.startedAt) / 1000)),
          cpu_percent: cpuPercent,
          rss_bytes: memory.rss,
          heap_used_bytes: memory.heapUsed,
          heap_total_bytes: memory.heapTotal,
        },
        alerts: { firing, by_severity: bySeverity },
      };
    },
    stop() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    },
  };
}
