/**
 * What a rule means: the built-in rules derived from the health statuses, whether a rule covers
 * a server, and whether an observed value meets its condition. Pure functions, no state.
 */
import type { AlertComparison, AlertMetric, AlertRule } from "../config/alerts-schema.js";

export type RuleSource = "default" | "config" | "api";

/** A value a rule compares: a number, a word (status, state), or null when not measured. */
export type MetricValue = number | string | null;

/** The values one event gives, by metric; a metric the event says nothing about is absent. */
export type Observation = Partial<Record<AlertMetric, MetricValue>>;

/**
 * The default rules. The health monitor has already turned latency, CPU, memory and error-rate
 * thresholds into a status with reasons, so the defaults watch the status rather than repeat
 * those thresholds; `for` keeps a single bad probe from paging anyone.
 */
export const DEFAULT_RULES: readonly AlertRule[] = [
  {
    id: "server-offline",
    name: "Server offline",
    description: "The server has been offline (not running or unreachable) for 30 seconds.",
    metric: "status",
    comparison: "==",
    threshold: "offline",
    for: 30,
    severity: "critical",
    scope: "all",
    resolve_after_checks: 2,
    enabled: true,
  },
  {
    id: "server-critical",
    name: "Server critical",
    description: "The server's health has been critical for a minute.",
    metric: "status",
    comparison: "==",
    threshold: "critical",
    for: 60,
    severity: "critical",
    scope: "all",
    resolve_after_checks: 2,
    enabled: true,
  },
  {
    id: "server-degraded",
    name: "Server degraded",
    description: "The server's health has been at warning for five minutes.",
    metric: "status",
    comparison: "==",
    threshold: "warning",
    for: 300,
    severity: "warning",
    scope: "all",
    resolve_after_checks: 2,
    enabled: true,
  },
  {
    id: "server-crash-loop",
    name: "Server in crash loop",
    description: "The supervisor gave up restarting the server.",
    metric: "server_state",
    comparison: "==",
    threshold: "crash_loop",
    for: 0,
    severity: "critical",
    scope: "all",
    resolve_after_checks: 1,
    enabled: true,
  },
  {
    id: "capabilities-changed",
    name: "Capabilities changed",
    description: "The server's tools, resources or prompts changed; a silently changed tool description can be a rug pull.",
    metric: "capabilities_changed",
    comparison: ">",
    threshold: 0,
    for: 0,
    severity: "warning",
    scope: "all",
    resolve_after_checks: 2,
    enabled: true,
  },
  {
    id: "storage-full",
    name: "Storage full",
    description: "The daemon's storage (the database's disk or its size limit) is full: writes are refused until space is freed.",
    metric: "storage_full",
    comparison: ">",
    threshold: 0,
    for: 0,
    severity: "critical",
    scope: "all",
    resolve_after_checks: 1,
    enabled: true,
  },
  {
    id: "config-rejected",
    name: "Config file rejected",
    description: "A change of the config file was refused; the daemon runs on the last good config until a good one is written.",
    metric: "config_rejected",
    comparison: ">",
    threshold: 0,
    for: 0,
    severity: "warning",
    scope: "all",
    resolve_after_checks: 1,
    enabled: true,
  },
];

/**
 * Subjects of alerts about the daemon rather than one of its servers: its storage, its config file.
 * Not valid server ids (ids cannot contain a colon), so no server is ever mistaken for one.
 */
export const DAEMON_SUBJECT = "pygent:daemon";
export const CONFIG_SUBJECT = "pygent:config";

/** Whether an alert's subject is a server (not the daemon or its config file). */
export function isServerSubject(subject: string): boolean {
  return subject !== DAEMON_SUBJECT && subject !== CONFIG_SUBJECT;
}

/** Whether the rule covers the server; `category` is the server's category, if it has one. */
export function ruleCovers(rule: AlertRule, serverId: string, category: string | null): boolean {
  if (rule.scope === "all") return true;
  if ("server_id" in rule.scope) return rule.scope.server_id === serverId;
  return category !== null && rule.scope.category === category;
}

function compare(left: number | string, comparison: AlertComparison, right: number | string): boolean {
  switch (comparison) {
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case "==":
      return left === right;
    case "!=":
      return left !== right;
  }
}

/**
 * Whether the value meets the rule's condition; undefined when there is nothing to judge (the
 * metric is absent or was not measured), which leaves the rule's state as it is.
 */
export function conditionHolds(rule: AlertRule, value: MetricValue | undefined): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== typeof rule.threshold) return undefined;
  return compare(value, rule.comparison, rule.threshold);
}

/** "status is offline", "response_time_ms 1240 > 1000". */
export function describeCondition(rule: AlertRule, value: MetricValue | undefined): string {
  if (rule.metric === "config_rejected") return "the last change was refused; the last good config is kept";
  if (rule.metric === "capabilities_changed") {
    return typeof value === "number" ? `${value} capabilit${value === 1 ? "y" : "ies"} changed` : "capabilities changed";
  }
  if (rule.metric === "storage_full") return "writes are refused for want of space";
  if (typeof rule.threshold === "string") {
    const shown = value === undefined || value === null ? "unknown" : String(value);
    return `${rule.metric === "status" ? "status" : "state"} is ${shown}`;
  }
  const shown = typeof value === "number" ? formatNumber(value) : "unknown";
  return `${rule.metric} ${shown} ${rule.comparison} ${formatNumber(rule.threshold)}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, "");
}
