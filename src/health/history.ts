/**
 * Reading health history: a time series at the resolution the range calls for (raw samples for
 * a short range, minute or hour rollups for longer ones, never a table whose retention has
 * dropped the range) and the latency trend over a window.
 */
import { HOUR_MS, MINUTE_MS, type HealthRepository, type HealthRollupRecord, type HealthSampleRecord } from "../store/health-repository.js";
import type { Retention } from "./history-maintenance.js";

export type HistoryResolution = "raw" | "minute" | "hour";

export interface HistoryQuery {
  from: number;
  to: number;
  resolution: HistoryResolution | "auto";
}

/** A stored sample, as one point of a server's history. */
export type RawHealthPoint = Omit<HealthSampleRecord, "server_id">;

/** A stored rollup, as one point of a server's history. */
export type RollupHealthPoint = Omit<HealthRollupRecord, "server_id" | "bucket"> & {
  /** Start of the minute or hour. */
  at: number;
  /** Percent of successful checks in the bucket. */
  uptime: number;
};

interface HistoryBase {
  server_id: string;
  from: number;
  to: number;
  /** More points existed than one answer carries; narrow the range or use a coarser resolution. */
  truncated: boolean;
}

export type HealthHistory =
  | (HistoryBase & { resolution: "raw"; points: RawHealthPoint[] })
  | (HistoryBase & { resolution: "minute" | "hour"; points: RollupHealthPoint[] });

export interface LatencyTrend {
  server_id: string;
  window_ms: number;
  /** Points the trend was fitted to. */
  points: number;
  /** Least-squares slope of latency, ms per hour; null with fewer than two points. */
  slope_ms_per_hour: number | null;
  first_half_avg_ms: number | null;
  second_half_avg_ms: number | null;
  /** Second half against the first, percent. */
  change_percent: number | null;
  direction: "rising" | "falling" | "flat" | "unknown";
}

/** Raw points in one answer at most. */
export const MAX_RAW_POINTS = 10_000;
/** Up to this span raw samples are worth showing one by one. */
const RAW_SPAN_MS = 2 * HOUR_MS;
/** Up to this span minutes, beyond it hours (48 h of minutes is 2,880 points). */
const MINUTE_SPAN_MS = 48 * HOUR_MS;
/** A change smaller than this between the halves of a window is "flat". */
const FLAT_PERCENT = 10;

/** The finest resolution that keeps the answer small and whose retention still covers `from`. */
export function chooseResolution(range: { from: number; to: number }, now: number, retention: Retention): HistoryResolution {
  const span = range.to - range.from;
  if (span <= RAW_SPAN_MS && range.from >= now - retention.rawMs) return "raw";
  if (span <= MINUTE_SPAN_MS && range.from >= now - retention.minuteMs) return "minute";
  return "hour";
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

const toRollupPoint = (row: HealthRollupRecord): RollupHealthPoint => ({
  at: row.bucket,
  count: row.count,
  failures: row.failures,
  uptime: row.count > 0 ? round(((row.count - row.failures) / row.count) * 100, 2) : 0,
  latency_min: row.latency_min,
  latency_avg: row.latency_avg,
  latency_p95: row.latency_p95,
  latency_max: row.latency_max,
  cpu_avg: row.cpu_avg,
  memory_avg: row.memory_avg,
  memory_max: row.memory_max,
});

export async function readHistory(
  repository: Pick<HealthRepository, "samples" | "rollups">,
  serverId: string,
  query: HistoryQuery,
  now: number,
  retention: Retention,
): Promise<HealthHistory> {
  const resolution = query.resolution === "auto" ? chooseResolution(query, now, retention) : query.resolution;
  const base = { server_id: serverId, from: query.from, to: query.to };
  if (resolution === "raw") {
    const rows = await repository.samples(serverId, query, MAX_RAW_POINTS + 1);
    return { ...base, resolution, truncated: rows.length > MAX_RAW_POINTS, points: rows.slice(0, MAX_RAW_POINTS).map(({ server_id: _, ...point }) => point) };
  }
  const rows = await repository.rollups(serverId, resolution, query);
  return { ...base, resolution, truncated: false, points: rows.map(toRollupPoint) };
}

/** Latency points of a history, each at the middle of what it covers. */
function latencyPoints(history: HealthHistory): { t: number; ms: number }[] {
  if (history.resolution === "raw") {
    return history.points.flatMap((point) =>
      point.ok && point.response_time_ms !== null ? [{ t: point.at, ms: point.response_time_ms }] : [],
    );
  }
  const half = (history.resolution === "minute" ? MINUTE_MS : HOUR_MS) / 2;
  return history.points.flatMap((point) => (point.latency_avg !== null ? [{ t: point.at + half, ms: point.latency_avg }] : []));
}

/** Fits a line to the latency over the window and compares its two halves. */
export function latencyTrend(history: HealthHistory, windowMs: number): LatencyTrend {
  const points = latencyPoints(history);
  const base = { server_id: history.server_id, window_ms: windowMs, points: points.length };
  if (points.length < 2) {
    return { ...base, slope_ms_per_hour: null, first_half_avg_ms: null, second_half_avg_ms: null, change_percent: null, direction: "unknown" };
  }
  const meanT = points.reduce((sum, p) => sum + p.t, 0) / points.length;
  const meanMs = points.reduce((sum, p) => sum + p.ms, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.t - meanT) * (p.ms - meanMs);
    variance += (p.t - meanT) ** 2;
  }
  const slope = variance === 0 ? 0 : (covariance / variance) * HOUR_MS;
  const middle = history.from + (history.to - history.from) / 2;
  const average = (list: { ms: number }[]) => (list.length === 0 ? null : list.reduce((sum, p) => sum + p.ms, 0) / list.length);
  const first = average(points.filter((p) => p.t < middle));
  const second = average(points.filter((p) => p.t >= middle));
  const change = first !== null && second !== null && first > 0 ? ((second - first) / first) * 100 : null;
  const direction = change === null ? "unknown" : Math.abs(change) < FLAT_PERCENT ? "flat" : change > 0 ? "rising" : "falling";
  return {
    ...base,
    slope_ms_per_hour: round(slope),
    first_half_avg_ms: first === null ? null : round(first),
    second_half_avg_ms: second === null ? null : round(second),
    change_percent: change === null ? null : round(change, 2),
    direction,
  };
}
