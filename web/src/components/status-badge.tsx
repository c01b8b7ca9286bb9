/** A health status as a badge: colour, a shape and the word, so it reads without colour too. */
import type { HealthStatus } from "../api/types.js";

const SYMBOL: Record<HealthStatus, string> = {
  healthy: "●",
  warning: "▲",
  critical: "■",
  offline: "○",
  unknown: "◌",
};

export function StatusBadge({ status, testId }: { status: HealthStatus; testId?: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status} data-testid={testId}>
      <span aria-hidden="true">{SYMBOL[status]}</span>
      {status}
    </span>
  );
}
