/**
 * What a channel is handed: a notification about one or more alerts, with a summary a person can
 * read in a mail subject or a chat line ("Server offline: 10 servers firing: a, b, c, ...").
 */
import type { AlertSeverity } from "../config/alerts-schema.js";

export type AlertState = "firing" | "resolved";

/** One alert as channels see it. */
export interface AlertView {
  alert_id: string;
  rule_id: string;
  rule_name: string;
  server_id: string;
  severity: AlertSeverity;
  state: AlertState;
  summary: string;
  labels: Record<string, string>;
  started_at: number;
  resolved_at: number | null;
  /** A reminder for an alert that is still firing (repeat_interval), not a change of state. */
  repeat: boolean;
}

export interface AlertNotification {
  id: string;
  /**
   * What gathered the alerts: `rule:<id>`, `server:<id>`, `rule:<id>/server:<id>`, `digest` (over the
   * per-minute cap), or `alert:<id>` for the single-alert notifications of immediate channels.
   */
  group: string;
  /** firing when any alert in it is firing. */
  state: AlertState;
  /** The highest severity among the alerts. */
  severity: AlertSeverity;
  summary: string;
  alerts: AlertView[];
  at: number;
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];
}

export function highestSeverity(alerts: readonly AlertView[]): AlertSeverity {
  let best: AlertSeverity = "info";
  for (const alert of alerts) if (SEVERITY_RANK[alert.severity] > SEVERITY_RANK[best]) best = alert.severity;
  return best;
}

/** How many names a summary lists before "and N more". */
const LISTED_NAMES = 10;

function listNames(names: string[]): string {
  const unique = [...new Set(names)];
  const shown = unique.slice(0, LISTED_NAMES).join(", ");
  return unique.length > LISTED_NAMES ? `${shown} and ${unique.length - LISTED_NAMES} more` : shown;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** One line for a set of alerts gathered under one group. */
export function summarize(group: string, alerts: readonly AlertView[]): string {
  const first = alerts[0];
  if (!first) return "no alerts";
  const firing = alerts.filter((alert) => alert.state === "firing");
  const state: AlertState = firing.length > 0 ? "firing" : "resolved";
  const tag = state === "firing" ? `[${highestSeverity(alerts).toUpperCase()}]` : "[RESOLVED]";
  if (alerts.length === 1) {
    const reminder = first.repeat ? " (still firing)" : "";
    return state === "firing"
      ? `${tag} ${first.summary}${reminder}`
      : `${tag} ${first.rule_name} on ${first.server_id}: recovered`;
  }
  const rules = new Set(alerts.map((alert) => alert.rule_id));
  const servers = alerts.map((alert) => alert.server_id);
  const resolvedCount = alerts.length - firing.length;
  const counts =
    firing.length > 0 && resolvedCount > 0
      ? `${firing.length} firing, ${resolvedCount} recovered`
      : firing.length > 0
        ? "firing"
        : "recovered";
  if (rules.size === 1) {
    const serverCount = new Set(servers).size;
    return `${tag} ${first.rule_name}: ${plural(serverCount, "server")} ${counts}: ${listNames(servers)}`;
  }
  const names = alerts.map((alert) => alert.rule_name);
  if (group.startsWith("server:") && new Set(servers).size === 1) {
    return `${tag} ${first.server_id}: ${plural(alerts.length, "alert")} ${counts}: ${listNames(names)}`;
  }
  return `${tag} ${plural(alerts.length, "alert")} ${counts} on ${plural(new Set(servers).size, "server")}: ${listNames(
    alerts.map((alert) => `${alert.rule_name} on ${alert.server_id}`),
  )}`;
}
