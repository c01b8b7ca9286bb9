/**
 * The seed's health statuses and how they rank. The type itself lives with the bus events
 * (src/bus), which carry it; this module owns the order used to pick "the worst".
 */
import type { HealthStatus } from "../bus/events.js";

export type { HealthStatus } from "../bus/events.js";

export const HEALTH_STATUSES = ["healthy", "warning", "critical", "unknown", "offline"] as const satisfies readonly HealthStatus[];

/**
 * healthy < unknown < warning < critical < offline. Unknown ranks above healthy: not knowing is
 * worse than knowing all is well, and better than knowing something is wrong.
 */
const RANK: Record<HealthStatus, number> = { healthy: 0, unknown: 1, warning: 2, critical: 3, offline: 4 };

export function statusRank(status: HealthStatus): number {
  return RANK[status];
}

/** The worst of the statuses; `healthy` when there are none. */
export function worstOf(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "healthy";
  for (const status of statuses) if (RANK[status] > RANK[worst]) worst = status;
  return worst;
}

/**
 * The overall status of components the daemon needs: the worst of them, with `offline` reported
 * as `critical` (a daemon that answers is not offline). Every health report uses this rule.
 */
export function overallOf(statuses: Iterable<HealthStatus>): HealthStatus {
  return worstOf([...statuses].map((status) => (status === "offline" ? "critical" : status)));
}
