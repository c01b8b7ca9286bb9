/** A state in words with the colour of the health status it resembles (an agent's, a run's), so it reads without colour too. */
import type { HealthStatus } from "../api/types.js";

export function StateBadge({ state, tone, testId }: { state: string; tone: HealthStatus; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-state={state} data-testid={testId}>
      {state.replaceAll("_", " ")}
    </span>
  );
}
