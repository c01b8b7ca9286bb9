/**
 * Health history in a real SQLite store, driven by a ManualClock with synthetic samples written
 * through the repository: rollups, resolution choice, uptime counts across tables, retention.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HealthConfigSchema } from "../src/config/schema.js";
import { ManualClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { HistoryMaintenance } from "../src/health/history-maintenance.js";
import { chooseResolution, latencyTrend, readHistory } from "../src/health/history.js";
import { retentionOf } from "../src/health/monitor.js";
import { HOUR_MS, MINUTE_MS, openStore, type HealthSampleRecord, type Store } from "../src/store/index.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const DAY_MS = 24 * HOUR_MS;
const T0 = Date.UTC(2026, 0, 10);
const retention = retentionOf(HealthConfigSchema.parse({}));

let dir: string;
let clock: ManualClock;
let store: Store;

beforeEach(() => {
  dir = makeTempDir("pygent-history-");
  clock = new ManualClock(T0);
  store = openStore(dir, clock);
});

afterEach(() => {
  store.close();
  removeTempDir(dir);
});

/** Samples every `stepMs` over [from, to): latency rising with the index, every 20th failed. */
function synthetic(serverId: string, from: number, to: number, stepMs: number): HealthSampleRecord[] {
  const out: HealthSampleRecord[] = [];
  for (let at = from, i = 0; at < to; at += stepMs, i++) {
    const ok = i % 20 !== 19;
    out.push({
      server_id: serverId,
      at,
      status: ok ? "healthy" : "warning",
      ok,
      response_time_ms: ok ? 10 + (i % 7) * 3 : null,
      cpu_percent: (i % 5) * 1.5,
      memory_mb: 50 + (i % 3),
      error: ok ? null : "ping timed out after 10 s",
    });
  }
  return out;
}

function maintenance(): HistoryMaintenance {
  return new HistoryMaintenance({ repository: store.health, clock, logger: silentLogger(), retention: () => retention });
}

/** The statistics a bucket must have, computed independently from the samples. */
function expected(samples: HealthSampleRecord[]) {
  const latencies = samples.flatMap((s) => (s.ok && s.response_time_ms !== null ? [s.response_time_ms] : [])).sort((a, b) => a - b);
  return {
    count: samples.length,
    failures: samples.filter((s) => !s.ok).length,
    latency_min: latencies[0],
    latency_max: latencies.at(-1),
    latency_p95: latencies[Math.ceil(0.95 * latencies.length) - 1],
    latency_avg: Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 1000) / 1000,
    memory_max: Math.max(...samples.map((s) => s.memory_mb ?? 0)),
  };
}

describe("health history", () => {
  it("rolls raw samples up into minutes and hours with counts and latency statistics", async () => {
    const a = synthetic("a", T0, T0 + 3 * HOUR_MS, 5000);
    const b = synthetic("b", T0 + 30 * MINUTE_MS, T0 + 2 * HOUR_MS, 10_000);
    await store.health.appendSamples([...a, ...b]);
    clock.advance(3 * HOUR_MS + 5000);
    const result = await maintenance().runOnce();
    expect(result.minute_rows).toBe(180 + 90);
    expect(result.hour_rows).toBe(3 + 2);
    expect(await store.health.rolledUpThrough("minute")).toBe(T0 + 3 * HOUR_MS);
    expect(await store.health.rolledUpThrough("hour")).toBe(T0 + 3 * HOUR_MS);

    const minute = T0 + 17 * MINUTE_MS;
    const [row] = await store.health.rollups("a", "minute", { from: minute, to: minute + MINUTE_MS });
    expect(row).toMatchObject({ bucket: minute, ...expected(a.filter((s) => s.at >= minute && s.at < minute + MINUTE_MS)) });

    const hours = await store.health.rollups("a", "hour", { from: T0, to: T0 + 3 * HOUR_MS });
    expect(hours.map((h) => h.bucket)).toEqual([T0, T0 + HOUR_MS, T0 + 2 * HOUR_MS]);
    expect(hours[1]).toMatchObject(expected(a.filter((s) => s.at >= T0 + HOUR_MS && s.at < T0 + 2 * HOUR_MS)));
    const bHours = await store.health.rollups("b", "hour", { from: T0, to: T0 + 3 * HOUR_MS });
    expect(bHours.map((h) => h.count)).toEqual([180, 360]);

    // A second run finds nothing new; re-running is cheap and changes nothing.
    expect(await maintenance().runOnce()).toMatchObject({ minute_rows: 0, hour_rows: 0 });
  });

  it("includes the minutes and hours the rollup job has not reached yet", async () => {
    const samples = synthetic("a", T0, T0 + 90 * MINUTE_MS, 10_000);
    await store.health.appendSamples(samples.filter((s) => s.at < T0 + HOUR_MS));
    clock.advance(HOUR_MS + 5000);
    await maintenance().runOnce();
    await store.health.appendSamples(samples.filter((s) => s.at >= T0 + HOUR_MS));
    const minutes = await store.health.rollups("a", "minute", { from: T0, to: T0 + 90 * MINUTE_MS });
    expect(minutes).toHaveLength(90);
    expect(minutes.reduce((sum, m) => sum + m.count, 0)).toBe(samples.length);
    const hours = await store.health.rollups("a", "hour", { from: T0, to: T0 + 2 * HOUR_MS });
    expect(hours.map((h) => h.count)).toEqual([360, 180]);
  });

  it("answers history at the resolution the range calls for", async () => {
    const now = T0 + 10 * DAY_MS;
    expect(chooseResolution({ from: now - HOUR_MS, to: now }, now, retention)).toBe("raw");
    expect(chooseResolution({ from: now - DAY_MS, to: now }, now, retention)).toBe("minute");
    expect(chooseResolution({ from: now - 30 * DAY_MS, to: now }, now, retention)).toBe("hour");
    // A short range from before the raw retention comes from minutes, and from before the minute
    // retention from hours.
    expect(chooseResolution({ from: now - 3 * DAY_MS, to: now - 3 * DAY_MS + HOUR_MS }, now, retention)).toBe("minute");
    expect(chooseResolution({ from: now - 9 * DAY_MS, to: now - 9 * DAY_MS + HOUR_MS }, now, retention)).toBe("hour");

    const samples = synthetic("a", T0, T0 + 2 * HOUR_MS, 10_000);
    await store.health.appendSamples(samples);
    clock.advance(2 * HOUR_MS);
    await maintenance().runOnce();
    const raw = await readHistory(store.health, "a", { from: T0 + HOUR_MS, to: T0 + 2 * HOUR_MS, resolution: "auto" }, clock.now(), retention);
    expect(raw.resolution).toBe("raw");
    expect(raw.points).toHaveLength(360);
    expect(raw.points[0]).toEqual({
      at: T0 + HOUR_MS,
      status: "healthy",
      ok: true,
      response_time_ms: samples[360]!.response_time_ms,
      cpu_percent: samples[360]!.cpu_percent,
      memory_mb: samples[360]!.memory_mb,
      error: null,
    });
    const day = await readHistory(store.health, "a", { from: clock.now() - DAY_MS, to: clock.now(), resolution: "auto" }, clock.now(), retention);
    expect(day.resolution).toBe("minute");
    expect(day.points).toHaveLength(120);
    expect(day.resolution === "minute" && day.points[0]).toMatchObject({ at: T0, count: 6 });
    const hourly = await readHistory(store.health, "a", { from: T0, to: T0 + 2 * HOUR_MS, resolution: "hour" }, clock.now(), retention);
    expect(hourly.resolution === "hour" && hourly.points.map((p) => p.uptime)).toEqual([95, 95]);
  });

  it("counts uptime across hour rollups, minute rollups and raw samples without gaps or double counts", async () => {
    const samples = synthetic("a", T0, T0 + 3 * DAY_MS, 60_000);
    await store.health.appendSamples(samples);
    clock.advance(3 * DAY_MS + 10 * MINUTE_MS);
    const result = await maintenance().runOnce();
    expect(result.pruned?.samples).toBeGreaterThan(0);
    const now = clock.now();
    const brute = (from: number, to: number) => {
      const inRange = samples.filter((s) => s.at >= from && s.at < to);
      return { count: inRange.length, failures: inRange.filter((s) => !s.ok).length };
    };
    // Raw samples older than a day are gone; the counts still match the full data.
    expect((await store.health.samples("a", { from: T0, to: now - DAY_MS - MINUTE_MS }, 10)).length).toBe(0);
    for (const [from, to] of [
      [now - HOUR_MS, now + 1],
      [now - DAY_MS, now + 1],
      [now - 7 * DAY_MS, now + 1],
      [T0 + 90 * MINUTE_MS, T0 + 2 * DAY_MS + 30 * MINUTE_MS],
    ] as const) {
      expect(await store.health.outcomeCounts("a", { from, to }), `${(to - from) / HOUR_MS} h`).toEqual(brute(from, to));
    }
  });

  it("keeps the database bounded: raw for a day, minutes for a week, hours for 90 days", async () => {
    const now = T0 + 200 * DAY_MS;
    const at = (ago: number) => synthetic("a", now - ago, now - ago + 5 * MINUTE_MS, 30_000);
    await store.health.appendSamples([...at(100 * DAY_MS), ...at(10 * DAY_MS), ...at(2 * DAY_MS), ...at(HOUR_MS)]);
    // Nothing rolled up yet: pruning must not lose raw samples, whatever the cutoff.
    expect((await store.health.prune({ samplesBefore: now, minuteBefore: now, hourBefore: now })).samples).toBe(0);

    clock.advance(now - clock.now());
    const result = await maintenance().runOnce();
    expect(result.pruned).toMatchObject({ samples: 30, minute: 10, hour: 1 });
    const count = async (resolution: "minute" | "hour", ago: number) =>
      (await store.health.rollups("a", resolution, { from: now - ago, to: now - ago + 10 * MINUTE_MS })).length;
    const raw = async (ago: number) => (await store.health.samples("a", { from: now - ago, to: now - ago + 10 * MINUTE_MS }, 100)).length;
    expect(await count("hour", 100 * DAY_MS)).toBe(0);
    expect(await count("hour", 10 * DAY_MS)).toBe(1);
    expect(await count("minute", 10 * DAY_MS)).toBe(0);
    expect(await count("minute", 2 * DAY_MS)).toBe(5);
    expect(await raw(2 * DAY_MS)).toBe(0);
    expect(await raw(HOUR_MS)).toBe(10);
  });

  it("prunes server events and capability changes by their own retention", async () => {
    const now = T0 + 200 * DAY_MS;
    const change = (at: number) => ({ server_id: "a", at, previous_fingerprint: "x", fingerprint: "y", added: [], removed: [], changed: [] });
    const event = (at: number) => ({ server_id: "a", kind: "started" as const, detail: null, exit_code: null, signal: null, at });
    for (const ago of [100 * DAY_MS, 40 * DAY_MS, DAY_MS]) {
      await store.health.recordCapabilityChange(change(now - ago));
      await store.serverEvents.append(event(now - ago));
    }
    clock.advance(now - clock.now());
    const config = HealthConfigSchema.parse({ retention: { server_events_days: 30, capability_changes_days: 60 } });
    const job = new HistoryMaintenance({
      repository: store.health,
      serverEvents: store.serverEvents,
      clock,
      logger: silentLogger(),
      retention: () => retentionOf(config),
    });
    const result = await job.runOnce();
    expect(result.pruned).toMatchObject({ server_events: 2, capability_changes: 1 });
    expect((await store.serverEvents.listForServer("a", 10)).map((row) => now - row.at)).toEqual([DAY_MS]);
    expect((await store.health.capabilityChanges("a", 10)).map((row) => now - row.at)).toEqual([DAY_MS, 40 * DAY_MS]);
  });

  it("keeps server events for 30 days and capability changes for 90 by default", () => {
    expect(retention.serverEventsMs).toBe(30 * DAY_MS);
    expect(retention.capabilityChangesMs).toBe(90 * DAY_MS);
  });

  it("runs on its own every minute on the injected clock", async () => {
    const job = new HistoryMaintenance({
      repository: store.health,
      clock,
      logger: silentLogger(),
      retention: () => retention,
      intervalMs: 60_000,
    });
    job.start();
    await store.health.appendSamples(synthetic("a", T0, T0 + 2 * MINUTE_MS, 10_000));
    clock.advance(3 * MINUTE_MS);
    // The timer fired during advance(); its run finishes on the event loop.
    await waitFor(async () => (await store.health.rolledUpThrough("minute")) === T0 + 2 * MINUTE_MS, {
      message: "the timed run",
    });
    await waitFor(() => clock.pendingTimers() === 1, { message: "the next run armed" });
    await job.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("fits a latency trend over a window", async () => {
    const rising: HealthSampleRecord[] = [];
    for (let i = 0; i < 120; i++) {
      rising.push({ server_id: "a", at: T0 + i * 30_000, status: "healthy", ok: true, response_time_ms: 100 + i, cpu_percent: null, memory_mb: null, error: null });
    }
    await store.health.appendSamples(rising);
    clock.advance(HOUR_MS);
    const history = await readHistory(store.health, "a", { from: T0, to: T0 + HOUR_MS, resolution: "auto" }, clock.now(), retention);
    const trend = latencyTrend(history, HOUR_MS);
    expect(trend.points).toBe(120);
    // One ms more every 30 s is 120 ms an hour.
    expect(trend.slope_ms_per_hour).toBeCloseTo(120, 3);
    expect(trend.first_half_avg_ms).toBeCloseTo(129.5, 3);
    expect(trend.second_half_avg_ms).toBeCloseTo(189.5, 3);
    expect(trend.direction).toBe("rising");
  });

  it("answers a 24-hour query for one server quickly among 100 servers", async () => {
    const start = T0;
    const batch: HealthSampleRecord[] = [];
    for (let s = 0; s < 100; s++) batch.push(...synthetic(`server-${s}`, start, start + DAY_MS, 60_000));
    await store.health.appendSamples(batch);
    clock.advance(DAY_MS + 5000);
    await maintenance().runOnce();
    const began = performance.now();
    const history = await readHistory(store.health, "server-42", { from: clock.now() - DAY_MS, to: clock.now(), resolution: "auto" }, clock.now(), retention);
    const elapsed = performance.now() - began;
    expect(history.resolution).toBe("minute");
    expect(history.points.length).toBeGreaterThanOrEqual(1439);
    expect(elapsed).toBeLessThan(250);
  }, 60_000);
});
