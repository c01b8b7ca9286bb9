/**
 * Health thresholds: built-in defaults, the config file's `health.thresholds`, and a server's own
 * `thresholds`, layered in that order into one complete set.
 */
import type { ThresholdsInput } from "../config/schema.js";

export interface Levels {
  warning: number;
  critical: number;
}

export interface Thresholds {
  response_time_ms: Levels;
  cpu_percent: Levels;
  memory_mb: Levels;
  /** Percent of failed probes and tool calls over the error window. */
  error_rate: Levels;
  consecutive_failures: Levels;
}

export const THRESHOLD_METRICS = [
  "response_time_ms",
  "cpu_percent",
  "memory_mb",
  "error_rate",
  "consecutive_failures",
] as const satisfies readonly (keyof Thresholds)[];

/**
 * One failed probe is a warning, three in a row critical: a server that misses one ping is
 * worth a look, one that misses three is down for practical purposes.
 */
export const DEFAULT_THRESHOLDS: Thresholds = {
  response_time_ms: { warning: 1000, critical: 5000 },
  cpu_percent: { warning: 80, critical: 95 },
  memory_mb: { warning: 512, critical: 1024 },
  error_rate: { warning: 10, critical: 50 },
  consecutive_failures: { warning: 1, critical: 3 },
};

/**
 * Layers partial thresholds over `base`, later layers winning. When a layer sets only a warning
 * above the critical level it inherits, the critical level rises to match, so the result always
 * has warning <= critical.
 */
export function resolveThresholds(
  base: Thresholds,
  ...layers: (ThresholdsInput | undefined)[]
): Thresholds {
  const out: Thresholds = structuredClone(base);
  for (const layer of layers) {
    if (!layer) continue;
    for (const metric of THRESHOLD_METRICS) {
      const levels = layer[metric];
      if (!levels) continue;
      const merged = { ...out[metric] };
      if (levels.warning !== undefined) merged.warning = levels.warning;
      if (levels.critical !== undefined) merged.critical = levels.critical;
      if (merged.warning > merged.critical) {
        if (levels.critical === undefined) merged.critical = merged.warning;
        else merged.warning = merged.critical;
      }
      out[metric] = merged;
    }
  }
  return out;
}
