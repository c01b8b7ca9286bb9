/**
 * The Prometheus view of the fleet, in its own prom-client Registry (never the global default, so
 * two daemons in one process — tests — do not share series).
 *
 * Two sources, each for what it is good at: gauges (up, status, CPU, memory, alerts firing) are
 * read at scrape time from the manager, the health monitor and the alert service, so they are
 * always the truth now and a removed server simply stops appearing; counters and the probe
 * histogram accumulate from bus events (every probe, every tool call, every restart), which no
 * snapshot could reconstruct. Counter and histogram series of a server are removed on
 * `server_removed`, so label cardinality stays bounded by the servers that exist; the tool call
 * histogram is also bounded per server in tools (MAX_TOOL_SERIES_PER_SERVER).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MessageBus, Unsubscribe } from "../bus/bus.js";
import type { ServerStatusEvent, ToolCalledEvent } from "../bus/events.js";
import type { McpManager } from "../mcp/manager-types.js";
import type { HealthMonitor } from "./monitor.js";
import { HEALTH_STATUSES } from "./status.js";

/** What the metrics need to know of a firing alert (the alert service's AlertView fits). */
export interface FiringAlertLike {
  severity: string;
}

export interface PrometheusMetricsDeps {
  bus: MessageBus;
  manager: Pick<McpManager, "list">;
  /** Status, CPU and memory gauges come from here; without it they are absent. */
  monitor?: Pick<HealthMonitor, "list"> | undefined;
  /**
   * The alerts firing now (the alert service's `firing()`). Without it the gauge follows `alert`
   * bus events, which are only published when a websocket alert channel is configured.
   */
  alertsFiring?: (() => readonly FiringAlertLike[]) | undefined;
  /** The daemon's own process metrics (prom-client's defaults). Default true. */
  defaultMetrics?: boolean;
  /** Probe duration histogram buckets, in seconds. */
  probeBuckets?: number[];
  /** Tool call duration histogram buckets, in seconds. */
  callBuckets?: number[];
}

export interface PrometheusMetrics {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  /** The exposition text of every metric. */
  render(): Promise<string>;
  /** Stops listening to the bus. */
  stop(): void;
}

export const METRIC_PREFIX = "pygent_";

/** From a fast local ping (milliseconds) to a probe timeout (seconds). */
export const DEFAULT_PROBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** From a local echo (a millisecond) to a long tool run (minutes). */
const DEFAULT_CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Tools of one server with series of their own; calls of any further tool count under OTHER_TOOL,
 * so a server that keeps renaming its tools cannot grow the exposition without bound.
 */
export const MAX_TOOL_SERIES_PER_SERVER = 100;
export const OTHER_TOOL = "_other";

const SEVERITIES = ["info", "warning", "critical"] as const;
const BYTES_PER_MB = 1024 * 1024;

export function createPrometheusMetrics(deps: PrometheusMetricsDeps): PrometheusMetrics {
  const registry = new Registry();
  if (deps.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const { manager, monitor } = deps;

  new Gauge({
    name: `${METRIC_PREFIX}server_up`,
    help: "1 when the server's supervisor state is running, 0 otherwise.",
    labelNames: ["server_id"],
    registers,
    collect() {
      this.reset();
      for (const view of manager.list()) this.set({ server_id: view.id }, view.state === "running" ? 1 : 0);
    },
  });

  if (monitor) {
    new Gauge({
      name: `${METRIC_PREFIX}server_health_status`,
      help: "The server's health status as a state set: 1 for the current status, 0 for the others.",
      labelNames: ["server_id", "status"],
      registers,
      collect() {
        this.reset();
        for (const health of monitor.list()) {
          for (const status of HEALTH_STATUSES) this.set({ server_id: health.server_id, status }, health.status === status ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}server_cpu_percent`,
      help: "CPU use of the server's process tree at the last check, in percent of one core (stdio servers).",
      labelNames: ["server_id"],
      registers,
      collect() {
        this.reset();
        for (const health of monitor.list()) {
          if (health.metrics.cpu_percent !== null) this.set({ server_id: health.server_id }, health.metrics.cpu_percent);
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}server_memory_bytes`,
      help: "Resident memory of the server's process tree at the last check, in bytes (stdio servers).",
      labelNames: ["server_id"],
      registers,
      collect() {
        this.reset();
        for (const health of monitor.list()) {
          const mb = health.metrics.memory_mb;
          if (mb !== null) this.set({ server_id: health.server_id }, Math.round(mb * BYTES_PER_MB));
        }
      },
    });
  }

  const firingFromEvents = new Map<string, string>();
  const alertsFiring = deps.alertsFiring ?? (() => [...firingFromEvents.values()].map((severity) => ({ severity })));
  new Gauge({
    name: `${METRIC_PREFIX}alerts_firing`,
    help: "Alerts firing now, by severity.",
    labelNames: ["severity"],
    registers,
    collect() {
      const counts = new Map<string, number>(SEVERITIES.map((severity) => [severity, 0]));
      for (const alert of alertsFiring()) counts.set(alert.severity, (counts.get(alert.severity) ?? 0) + 1);
      for (const [severity, count] of counts) this.set({ severity }, count);
    },
  });

  const probeDuration = new Histogram({
    name: `${METRIC_PREFIX}server_probe_duration_seconds`,
    help: "Response time of successful health probes (MCP ping, or tools/list for servers without ping).",
    labelNames: ["server_id"],
    buckets: deps.probeBuckets ?? DEFAULT_PROBE_BUCKETS,
    registers,
  });
  const restarts = new Counter({
    name: `${METRIC_PREFIX}server_restarts_total`,
    help: "Automatic restarts of the server by its supervisor.",
    labelNames: ["server_id"],
    registers,
  });
  const toolCalls = new Counter({
    name: `${METRIC_PREFIX}tool_calls_total`,
    help: "Tool calls made through the daemon.",
    labelNames: ["server_id"],
    registers,
  });
  const toolErrors = new Counter({
    name: `${METRIC_PREFIX}tool_call_errors_total`,
    help: "Tool calls made through the daemon that failed or returned an error.",
    labelNames: ["server_id"],
    registers,
  });

  const callDuration = new Histogram({
    name: `${METRIC_PREFIX}tool_call_duration_seconds`,
    help:
      "Duration of tool calls made through the daemon, by server, tool, outcome (ok, tool_error, failed, timeout, cancelled) " +
      "and entry point (rest, gateway, relay, internal).",
    labelNames: ["server_id", "tool", "outcome", "via"],
    buckets: deps.callBuckets ?? DEFAULT_CALL_BUCKETS,
    registers,
  });
  type CallLabels = { server_id: string; tool: string; outcome: string; via: string };
  // What was observed per server: the tools with series, and every label set, to remove them
  // with the server (prom-client removes a series by its full label set only).
  const callSeries = new Map<string, { tools: Set<string>; labels: Map<string, CallLabels> }>();
  const onToolCalled = (event: ToolCalledEvent): void => {
    toolCalls.inc({ server_id: event.server_id });
    if (!event.ok) toolErrors.inc({ server_id: event.server_id });
    let seen = callSeries.get(event.server_id);
    if (!seen) callSeries.set(event.server_id, (seen = { tools: new Set(), labels: new Map() }));
    if (!seen.tools.has(event.tool) && seen.tools.size < MAX_TOOL_SERIES_PER_SERVER) seen.tools.add(event.tool);
    const tool = seen.tools.has(event.tool) ? event.tool : OTHER_TOOL;
    const key = `${tool}\n${event.outcome}\n${event.via}`;
    let labels = seen.labels.get(key);
    if (!labels) seen.labels.set(key, (labels = { server_id: event.server_id, tool, outcome: event.outcome, via: event.via }));
    callDuration.observe(labels, event.duration_ms / 1000);
  };

  // The supervisor reports a running total; the counter takes the increase. A supervisor made
  // anew (a server removed and added again) starts from zero, which is a new baseline, not a drop.
  const restartsSeen = new Map<string, number>();
  const onStatus = (event: ServerStatusEvent): void => {
    const before = restartsSeen.get(event.server_id) ?? 0;
    if (event.restarts > before) restarts.inc({ server_id: event.server_id }, event.restarts - before);
    restartsSeen.set(event.server_id, event.restarts);
  };

  const { bus } = deps;
  const unsubscribes: Unsubscribe[] = [
    bus.subscribe("server_status", onStatus),
    bus.subscribe("health_update", (event) => {
      const ms = event.metrics.response_time_ms;
      if (ms !== null) probeDuration.observe({ server_id: event.server_id }, ms / 1000);
    }),
    bus.subscribe("tool_called", onToolCalled),
    bus.subscribe("alert", (event) => {
      if (event.state === "firing") firingFromEvents.set(event.alert_id, event.severity);
      else firingFromEvents.delete(event.alert_id);
    }),
    bus.subscribe("server_removed", ({ server_id }) => {
      for (const metric of [probeDuration, restarts, toolCalls, toolErrors]) metric.remove({ server_id });
      restartsSeen.delete(server_id);
      for (const labels of callSeries.get(server_id)?.labels.values() ?? []) callDuration.remove(labels);
      callSeries.delete(server_id);
    }),
  ];

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    stop() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    },
  };
}
