/** What the run list and a run's own view share: the colour of each state, how a fitness is written, and following the /ws `evolution` topic. */
import { useEffect } from "react";
import type { EvolutionRunSummary, HealthStatus } from "../../api/types.js";
import { store } from "../../live/store.js";

export const EVOLUTION_TONES: Record<EvolutionRunSummary["state"], HealthStatus> = {
  running: "unknown",
  finished: "healthy",
  failed: "critical",
  aborted: "offline",
};

export function score(value: number | null): string {
  return value === null ? "—" : value.toFixed(3);
}

/** Calls `onChange` on each generation written and each run ended (and after a reconnect). */
export function useEvolutionEvents(onChange: (runId: string | null) => void): void {
  useEffect(() => {
    const socket = store.watch(
      ["evolution"],
      [],
      (message) => onChange(typeof message.run_id === "string" ? message.run_id : null),
      () => onChange(null),
    );
    return () => socket.close();
  }, [onChange]);
}
