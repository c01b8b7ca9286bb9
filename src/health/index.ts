/** The health domain's public surface: the monitor, system health and their shapes. */
import type { ActivityFeed } from "./activity-feed.js";
import type { PrometheusMetrics } from "./metrics-prometheus.js";
import type { MetricsSummarySource } from "./metrics-summary.js";
import type { HealthMonitor } from "./monitor.js";
import type { SystemHealth } from "./system-health.js";

export { ACTIVITY_INTERVAL_MS, createActivityFeed } from "./activity-feed.js";
export type { ActivityFeed, ActivityFeedDeps } from "./activity-feed.js";
export type { ActivityFigures } from "../bus/index.js";
export { basicHealthReport, summarizeMcp } from "./basic-health.js";
export type { BasicHealthDeps, BasicHealthReport, McpStateHealth } from "./basic-health.js";
export { canonicalJson, diffCapabilities, fingerprintCapabilities } from "./capability-fingerprint.js";
export type { CapabilityDiff, CapabilityFingerprint } from "./capability-fingerprint.js";
export type { CapabilitySummary } from "./capability-drift.js";
export { classify, ERROR_RATE_MIN_EVENTS } from "./classify.js";
export type { Classification, ClassifyInput, ProbeOutcome } from "./classify.js";
export type { MaintenanceResult, Retention } from "./history-maintenance.js";
export { chooseResolution, latencyTrend, MAX_RAW_POINTS } from "./history.js";
export type {
  HealthHistory,
  HistoryQuery,
  HistoryResolution,
  LatencyTrend,
  RawHealthPoint,
  RollupHealthPoint,
} from "./history.js";
export {
  createPrometheusMetrics,
  DEFAULT_PROBE_BUCKETS,
  MAX_TOOL_SERIES_PER_SERVER,
  METRIC_PREFIX,
  OTHER_TOOL,
} from "./metrics-prometheus.js";
export type { FiringAlertLike, PrometheusMetrics, PrometheusMetricsDeps } from "./metrics-prometheus.js";
export { ACTIVITY_WINDOW_MS, createMetricsSummary, percentile, RECENT_PROBES } from "./metrics-summary.js";
export type { MetricsSummary, MetricsSummaryDeps, MetricsSummarySource } from "./metrics-summary.js";
export { createHealthMonitor, EMPTY_METRICS, retentionOf } from "./monitor.js";
export type { HealthMonitor, HealthMonitorDeps, ServerHealth } from "./monitor.js";
export { checkOllama } from "./ollama-check.js";
export type { HealthProbe, ProbeReading } from "./probe.js";
export { HEALTH_STATUSES, overallOf, worstOf } from "./status.js";
export type { HealthStatus } from "./status.js";
export { publishStorageFaults } from "./storage-fault-events.js";
export { createSystemHealth, DEFAULT_OLLAMA_URL, overallStatus } from "./system-health.js";
export type { AgentFactoryFigures, SystemHealth, SystemHealthDeps } from "./system-health.js";
export { SYSTEM_COMPONENTS } from "./system-health-types.js";
export type { ComponentHealth, MemoryManagerFigures, RagHealthFigures, SystemComponent, SystemHealthReport } from "./system-health-types.js";
export {
  createDashboardLayouts,
  DASHBOARD_METRICS,
  DASHBOARD_RANGES,
  LayoutInputSchema,
  LayoutSchema,
  type DashboardLayouts,
  type Layout,
  type LayoutInput,
  type Panel,
} from "./dashboard-layouts.js";
export { DEFAULT_THRESHOLDS, resolveThresholds } from "./thresholds.js";
export type { Levels, Thresholds } from "./thresholds.js";

/** What the API needs for /metrics (Prometheus text), /api/v1/metrics (the summary and the activity) and the /ws `metrics` topic. */
export interface MetricsServices {
  prometheus: PrometheusMetrics;
  summary: MetricsSummarySource;
  /** Publishes the activity while /ws clients follow it. */
  activity: ActivityFeed;
}

/** What the API needs of the health domain: per-server health and system health. */
export interface HealthServices {
  monitor: HealthMonitor;
  system: SystemHealth;
}
