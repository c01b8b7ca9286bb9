/**
 * Health history: raw samples, per-minute and per-hour rollups with how far each has got (its
 * watermark), retention, and each server's capability snapshot with the changes seen in it.
 *
 * Rollup statistics are computed here in code rather than in SQL because a percentile (p95) has
 * no portable SQL form; the SQL stays plain so a PostgreSQL store can share it. Every method
 * that touches many rows works in bounded chunks and yields between them, because
 * better-sqlite3 runs on the daemon's event loop.
 */
import { chunkedPruner, yieldToLoop } from "./chunked-delete.js";
import type { SqliteDatabase } from "./database.js";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export type RollupResolution = "minute" | "hour";

export const BUCKET_MS: Record<RollupResolution, number> = { minute: MINUTE_MS, hour: HOUR_MS };

/** One health check's outcome as stored. */
export interface HealthSampleRecord {
  server_id: string;
  at: number;
  status: string;
  /** The probe succeeded (the server answered); counts toward uptime. */
  ok: boolean;
  response_time_ms: number | null;
  cpu_percent: number | null;
  memory_mb: number | null;
  error: string | null;
}

/** The samples of one server in one minute or hour. Latency figures cover successful probes. */
export interface HealthRollupRecord {
  server_id: string;
  /** Start of the bucket, ms since the epoch. */
  bucket: number;
  count: number;
  failures: number;
  latency_min: number | null;
  latency_avg: number | null;
  latency_p95: number | null;
  latency_max: number | null;
  cpu_avg: number | null;
  memory_avg: number | null;
  memory_max: number | null;
}

/** A half-open time range [from, to), ms since the epoch. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface OutcomeCounts {
  count: number;
  failures: number;
}

export interface PruneCutoffs {
  samplesBefore: number;
  minuteBefore: number;
  hourBefore: number;
}

export interface PruneResult {
  samples: number;
  minute: number;
  hour: number;
}

/** What a server served at its last snapshot: per item, a hash of each field. */
export interface StoredCapabilitySnapshot {
  server_id: string;
  fingerprint: string;
  items: Record<string, Record<string, string>>;
  captured_at: number;
}

export interface CapabilityChangeRecord {
  server_id: string;
  at: number;
  previous_fingerprint: string;
  fingerprint: string;
  added: unknown[];
  removed: unknown[];
  changed: unknown[];
}

export interface HealthRepository {
  /** Inserts many samples in one transaction. */
  appendSamples(samples: readonly HealthSampleRecord[]): Promise<void>;
  latestSample(serverId: string): Promise<HealthSampleRecord | undefined>;
  /** Raw samples in the range, oldest first, at most `limit`. */
  samples(serverId: string, range: TimeRange, limit: number): Promise<HealthSampleRecord[]>;
  /**
   * Rollups whose bucket starts in the range (the range's start rounded down to a bucket),
   * oldest first. Buckets the rollup job has not reached yet are computed from raw samples, so
   * the newest minutes and hours are there too.
   */
  rollups(serverId: string, resolution: RollupResolution, range: TimeRange): Promise<HealthRollupRecord[]>;
  /**
   * Rolls raw samples up into every whole bucket that ends at or before `until`, from where the
   * last run stopped; re-rolling a bucket replaces it. Hour rollups wait for minute rollups, so
   * run minute first. Resolves with the number of bucket rows written and the new watermark.
   */
  rollUp(resolution: RollupResolution, until: number): Promise<{ rows: number; through: number | null }>;
  /** Everything before this instant has been rolled up; null before the first run. */
  rolledUpThrough(resolution: RollupResolution): Promise<number | null>;
  /** How many checks and failed checks of a server fall in the range, from the cheapest table. */
  outcomeCounts(serverId: string, range: TimeRange): Promise<OutcomeCounts>;
  /**
   * Deletes what is older than the cutoffs. Raw samples are never deleted before both rollups
   * have consumed them, whatever the cutoff says.
   */
  prune(cutoffs: PruneCutoffs): Promise<PruneResult>;

  capabilitySnapshot(serverId: string): Promise<StoredCapabilitySnapshot | undefined>;
  saveCapabilitySnapshot(snapshot: StoredCapabilitySnapshot): Promise<void>;
  /** Forgets a server's snapshot, so a later server with its id starts from a fresh baseline. */
  deleteCapabilitySnapshot(serverId: string): Promise<void>;
  /** Deletes the snapshots of every server not named; resolves with how many went. */
  deleteCapabilitySnapshotsExcept(serverIds: readonly string[]): Promise<number>;
  recordCapabilityChange(change: CapabilityChangeRecord): Promise<void>;
  /** Newest first. */
  capabilityChanges(serverId: string, limit: number): Promise<CapabilityChangeRecord[]>;
  /** Deletes the changes recorded before the instant, in chunks; resolves with how many went. */
  pruneCapabilityChanges(before: number): Promise<number>;
}

interface SampleRow {
  server_id: string;
  at: number;
  status: string;
  ok: number;
  response_time_ms: number | null;
  cpu_percent: number | null;
  memory_mb: number | null;
  error: string | null;
}

const toSample = (row: SampleRow): HealthSampleRecord => ({ ...row, ok: row.ok !== 0 });

const floorTo = (value: number, size: number) => Math.floor(value / size) * size;
const ceilTo = (value: number, size: number) => Math.ceil(value / size) * size;

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The rollup of one server's samples in one bucket. Exported for tests. */
export function summarizeSamples(serverId: string, bucket: number, samples: readonly HealthSampleRecord[]): HealthRollupRecord {
  const latencies: number[] = [];
  let cpuSum = 0;
  let cpuCount = 0;
  let memorySum = 0;
  let memoryCount = 0;
  let memoryMax: number | null = null;
  let failures = 0;
  for (const sample of samples) {
    if (!sample.ok) failures++;
    if (sample.ok && sample.response_time_ms !== null) latencies.push(sample.response_time_ms);
    if (sample.cpu_percent !== null) {
      cpuSum += sample.cpu_percent;
      cpuCount++;
    }
    if (sample.memory_mb !== null) {
      memorySum += sample.memory_mb;
      memoryCount++;
      memoryMax = memoryMax === null ? sample.memory_mb : Math.max(memoryMax, sample.memory_mb);
    }
  }
  latencies.sort((a, b) => a - b);
  const latencySum = latencies.reduce((sum, value) => sum + value, 0);
  return {
    server_id: serverId,
    bucket,
    count: samples.length,
    failures,
    latency_min: latencies[0] ?? null,
    latency_avg: latencies.length > 0 ? round3(latencySum / latencies.length) : null,
    latency_p95: percentile(latencies, 0.95),
    latency_max: latencies.at(-1) ?? null,
    cpu_avg: cpuCount > 0 ? round3(cpuSum / cpuCount) : null,
    memory_avg: memoryCount > 0 ? round3(memorySum / memoryCount) : null,
    memory_max: memoryMax,
  };
}

/** Groups samples ordered by (server_id, at) into rollups of `size`-ms buckets. */
function rollUpSorted(rows: readonly HealthSampleRecord[], size: number): HealthRollupRecord[] {
  const out: HealthRollupRecord[] = [];
  let group: HealthSampleRecord[] = [];
  let key: { server: string; bucket: number } | undefined;
  const close = () => {
    if (key && group.length > 0) out.push(summarizeSamples(key.server, key.bucket, group));
    group = [];
  };
  for (const row of rows) {
    const bucket = floorTo(row.at, size);
    if (!key || key.server !== row.server_id || key.bucket !== bucket) {
      close();
      key = { server: row.server_id, bucket };
    }
    group.push(row);
  }
  close();
  return out;
}

const SAMPLE_COLUMNS = "server_id, at, status, ok, response_time_ms, cpu_percent, memory_mb, error";
const ROLLUP_COLUMNS =
  "server_id, bucket, count, failures, latency_min, latency_avg, latency_p95, latency_max, cpu_avg, memory_avg, memory_max";

/** How much raw time one minute-rollup step reads at once. */
const MINUTE_CHUNK_MS = 10 * MINUTE_MS;

export function sqliteHealthRepository(db: SqliteDatabase): HealthRepository {
  const insertSample = db.prepare(
    `INSERT INTO health_samples (${SAMPLE_COLUMNS})
     VALUES (@server_id, @at, @status, @ok, @response_time_ms, @cpu_percent, @memory_mb, @error)`,
  );
  const latestSample = db.prepare(
    `SELECT ${SAMPLE_COLUMNS} FROM health_samples WHERE server_id = ? ORDER BY at DESC LIMIT 1`,
  );
  const samplesInRange = db.prepare(
    `SELECT ${SAMPLE_COLUMNS} FROM health_samples WHERE server_id = ? AND at >= ? AND at < ? ORDER BY at LIMIT ?`,
  );
  const allSamplesInRange = db.prepare(
    `SELECT ${SAMPLE_COLUMNS} FROM health_samples WHERE at >= ? AND at < ? ORDER BY server_id, at`,
  );
  const firstSampleFrom = db.prepare("SELECT MIN(at) AS at FROM health_samples WHERE at >= ?");
  const oldestSampleOf = db.prepare("SELECT MIN(at) AS at FROM health_samples WHERE server_id = ?");
  const sampleCounts = db.prepare(
    `SELECT COUNT(*) AS count, COALESCE(SUM(CASE WHEN ok = 0 THEN 1 ELSE 0 END), 0) AS failures
     FROM health_samples WHERE server_id = ? AND at >= ? AND at < ?`,
  );
  const getState = db.prepare("SELECT through FROM health_rollup_state WHERE resolution = ?");
  const setState = db.prepare(
    `INSERT INTO health_rollup_state (resolution, through) VALUES (?, ?)
     ON CONFLICT (resolution) DO UPDATE SET through = excluded.through`,
  );
  const pruneSamples = db.prepare("DELETE FROM health_samples WHERE at < ?");

  const perResolution = (resolution: RollupResolution) => {
    const table = resolution === "minute" ? "health_rollups_minute" : "health_rollups_hour";
    return {
      upsert: db.prepare(
        `INSERT INTO ${table} (${ROLLUP_COLUMNS})
         VALUES (@server_id, @bucket, @count, @failures, @latency_min, @latency_avg, @latency_p95, @latency_max,
                 @cpu_avg, @memory_avg, @memory_max)
         ON CONFLICT (server_id, bucket) DO UPDATE SET count = excluded.count, failures = excluded.failures,
           latency_min = excluded.latency_min, latency_avg = excluded.latency_avg, latency_p95 = excluded.latency_p95,
           latency_max = excluded.latency_max, cpu_avg = excluded.cpu_avg, memory_avg = excluded.memory_avg,
           memory_max = excluded.memory_max`,
      ),
      inRange: db.prepare(
        `SELECT ${ROLLUP_COLUMNS} FROM ${table} WHERE server_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`,
      ),
      counts: db.prepare(
        `SELECT COALESCE(SUM(count), 0) AS count, COALESCE(SUM(failures), 0) AS failures
         FROM ${table} WHERE server_id = ? AND bucket >= ? AND bucket < ?`,
      ),
      serversInRange: db.prepare(`SELECT DISTINCT server_id FROM ${table} WHERE bucket >= ? AND bucket < ?`),
      prune: db.prepare(`DELETE FROM ${table} WHERE bucket < ?`),
    };
  };
  const rollupSql = { minute: perResolution("minute"), hour: perResolution("hour") };

  const through = (resolution: RollupResolution): number | null =>
    (getState.get(resolution) as { through: number } | undefined)?.through ?? null;

  const appendMany = db.transaction((samples: readonly HealthSampleRecord[]) => {
    for (const sample of samples) insertSample.run({ ...sample, ok: sample.ok ? 1 : 0 });
  });

  const writeRollups = db.transaction((resolution: RollupResolution, rows: HealthRollupRecord[], newThrough: number) => {
    for (const row of rows) rollupSql[resolution].upsert.run(row);
    setState.run(resolution, newThrough);
  });

  const rawSamples = (serverId: string, range: TimeRange, limit: number): HealthSampleRecord[] =>
    (samplesInRange.all(serverId, range.from, range.to, limit) as SampleRow[]).map(toSample);

  const rawCounts = (serverId: string, from: number, to: number): OutcomeCounts =>
    from >= to ? { count: 0, failures: 0 } : (sampleCounts.get(serverId, from, to) as OutcomeCounts);

  /** Minute rollups up to where raw samples begin, raw samples after. */
  const edgeCounts = (serverId: string, from: number, to: number, oldestRaw: number | null): OutcomeCounts => {
    if (from >= to) return { count: 0, failures: 0 };
    const rawFrom = oldestRaw === null ? to : floorTo(oldestRaw, MINUTE_MS);
    if (from >= rawFrom) return rawCounts(serverId, from, to);
    const split = Math.min(to, rawFrom);
    const fromRollups = rollupSql.minute.counts.get(serverId, ceilTo(from, MINUTE_MS), split) as OutcomeCounts;
    const fromRaw = rawCounts(serverId, split, to);
    return { count: fromRollups.count + fromRaw.count, failures: fromRollups.failures + fromRaw.failures };
  };

  async function rollUpMinutes(until: number): Promise<{ rows: number; through: number | null }> {
    const end = floorTo(until, MINUTE_MS);
    let start = through("minute");
    let rows = 0;
    for (;;) {
      // Jump over stretches without samples (the daemon was down) instead of walking them.
      const next = (firstSampleFrom.get(start ?? Number.MIN_SAFE_INTEGER) as { at: number | null }).at;
      if (next === null || floorTo(next, MINUTE_MS) >= end) break;
      const chunkStart = Math.max(start ?? -Infinity, floorTo(next, MINUTE_MS));
      const chunkEnd = Math.min(end, chunkStart + MINUTE_CHUNK_MS);
      const samples = (allSamplesInRange.all(chunkStart, chunkEnd) as SampleRow[]).map(toSample);
      const rollups = rollUpSorted(samples, MINUTE_MS);
      writeRollups("minute", rollups, chunkEnd);
      rows += rollups.length;
      start = chunkEnd;
      await yieldToLoop();
    }
    // Nothing (more) to roll: the watermark still moves so readers know these minutes are final.
    const previous = through("minute");
    if (previous === null || previous < end) writeRollups("minute", [], end);
    return { rows, through: through("minute") };
  }

  /** Hours from raw samples (an exact p95), one server at a time, after the minute rollups. */
  async function rollUpHours(until: number): Promise<{ rows: number; through: number | null }> {
    const minuteThrough = through("minute");
    if (minuteThrough === null) return { rows: 0, through: through("hour") };
    const end = floorTo(Math.min(until, minuteThrough), HOUR_MS);
    let start = through("hour");
    let rows = 0;
    for (;;) {
      const next = (firstSampleFrom.get(start ?? Number.MIN_SAFE_INTEGER) as { at: number | null }).at;
      if (next === null || floorTo(next, HOUR_MS) >= end) break;
      const hour = Math.max(start ?? -Infinity, floorTo(next, HOUR_MS));
      const servers = (rollupSql.minute.serversInRange.all(hour, hour + HOUR_MS) as { server_id: string }[]).map(
        (row) => row.server_id,
      );
      const rollups: HealthRollupRecord[] = [];
      for (const [index, server] of servers.entries()) {
        const samples = rawSamples(server, { from: hour, to: hour + HOUR_MS }, Number.MAX_SAFE_INTEGER);
        if (samples.length > 0) rollups.push(summarizeSamples(server, hour, samples));
        if (index % 50 === 49) await yieldToLoop();
      }
      writeRollups("hour", rollups, hour + HOUR_MS);
      rows += rollups.length;
      start = hour + HOUR_MS;
      await yieldToLoop();
    }
    const previous = through("hour");
    if (previous === null || previous < end) writeRollups("hour", [], end);
    return { rows, through: through("hour") };
  }

  return {
    async appendSamples(samples) {
      if (samples.length > 0) appendMany(samples);
    },

    async latestSample(serverId) {
      const row = latestSample.get(serverId) as SampleRow | undefined;
      return row && toSample(row);
    },

    async samples(serverId, range, limit) {
      return rawSamples(serverId, range, limit);
    },

    async rollups(serverId, resolution, range) {
      const size = BUCKET_MS[resolution];
      const from = floorTo(range.from, size);
      const done = through(resolution);
      const storedUntil = done === null ? from : Math.min(range.to, Math.max(from, done));
      const stored = rollupSql[resolution].inRange.all(serverId, from, storedUntil) as HealthRollupRecord[];
      if (storedUntil >= range.to) return stored;
      const tail = rawSamples(serverId, { from: storedUntil, to: range.to }, Number.MAX_SAFE_INTEGER);
      return [...stored, ...rollUpSorted(tail, size)];
    },

    rollUp(resolution, until) {
      return resolution === "minute" ? rollUpMinutes(until) : rollUpHours(until);
    },

    async rolledUpThrough(resolution) {
      return through(resolution);
    },

    async outcomeCounts(serverId, range) {
      const oldestRaw = (oldestSampleOf.get(serverId) as { at: number | null }).at;
      const hourThrough = through("hour");
      if (hourThrough !== null) {
        const h0 = ceilTo(range.from, HOUR_MS);
        const h1 = Math.min(hourThrough, floorTo(range.to, HOUR_MS));
        if (h1 > h0) {
          const parts = [
            edgeCounts(serverId, range.from, h0, oldestRaw),
            rollupSql.hour.counts.get(serverId, h0, h1) as OutcomeCounts,
            edgeCounts(serverId, h1, range.to, oldestRaw),
          ];
          return parts.reduce((sum, part) => ({ count: sum.count + part.count, failures: sum.failures + part.failures }));
        }
      }
      return edgeCounts(serverId, range.from, range.to, oldestRaw);
    },

    async prune(cutoffs) {
      const minuteThrough = through("minute") ?? -Infinity;
      const hourThrough = through("hour") ?? -Infinity;
      const samplesBefore = Math.min(cutoffs.samplesBefore, minuteThrough, hourThrough);
      return db.transaction(() => ({
        samples: Number.isFinite(samplesBefore) ? pruneSamples.run(samplesBefore).changes : 0,
        minute: rollupSql.minute.prune.run(cutoffs.minuteBefore).changes,
        hour: rollupSql.hour.prune.run(cutoffs.hourBefore).changes,
      }))();
    },

    ...capabilityMethods(db),
  };
}

type CapabilityMethods = Pick<
  HealthRepository,
  | "capabilitySnapshot"
  | "saveCapabilitySnapshot"
  | "deleteCapabilitySnapshot"
  | "deleteCapabilitySnapshotsExcept"
  | "recordCapabilityChange"
  | "capabilityChanges"
  | "pruneCapabilityChanges"
>;

function capabilityMethods(db: SqliteDatabase): CapabilityMethods {
  const getSnapshot = db.prepare(
    "SELECT server_id, fingerprint, items, captured_at FROM capability_snapshots WHERE server_id = ?",
  );
  const upsertSnapshot = db.prepare(
    `INSERT INTO capability_snapshots (server_id, fingerprint, items, captured_at)
     VALUES (@server_id, @fingerprint, @items, @captured_at)
     ON CONFLICT (server_id) DO UPDATE SET fingerprint = excluded.fingerprint, items = excluded.items,
       captured_at = excluded.captured_at`,
  );
  const deleteSnapshot = db.prepare("DELETE FROM capability_snapshots WHERE server_id = ?");
  const snapshotIds = db.prepare("SELECT server_id FROM capability_snapshots");
  const insertChange = db.prepare(
    `INSERT INTO capability_changes (server_id, at, previous_fingerprint, fingerprint, added, removed, changed)
     VALUES (@server_id, @at, @previous_fingerprint, @fingerprint, @added, @removed, @changed)`,
  );
  const listChanges = db.prepare(
    `SELECT server_id, at, previous_fingerprint, fingerprint, added, removed, changed FROM capability_changes
     WHERE server_id = ? ORDER BY at DESC, id DESC LIMIT ?`,
  );
  return {
    async capabilitySnapshot(serverId) {
      const row = getSnapshot.get(serverId) as
        | { server_id: string; fingerprint: string; items: string; captured_at: number }
        | undefined;
      return row && { ...row, items: JSON.parse(row.items) as StoredCapabilitySnapshot["items"] };
    },
    async saveCapabilitySnapshot(snapshot) {
      upsertSnapshot.run({ ...snapshot, items: JSON.stringify(snapshot.items) });
    },
    async deleteCapabilitySnapshot(serverId) {
      deleteSnapshot.run(serverId);
    },
    async deleteCapabilitySnapshotsExcept(serverIds) {
      const keep = new Set(serverIds);
      const gone = (snapshotIds.all() as { server_id: string }[]).filter((row) => !keep.has(row.server_id));
      db.transaction(() => {
        for (const row of gone) deleteSnapshot.run(row.server_id);
      })();
      return gone.length;
    },
    async recordCapabilityChange(change) {
      insertChange.run({
        ...change,
        added: JSON.stringify(change.added),
        removed: JSON.stringify(change.removed),
        changed: JSON.stringify(change.changed),
      });
    },
    async capabilityChanges(serverId, limit) {
      const rows = listChanges.all(serverId, limit) as (Omit<CapabilityChangeRecord, "added" | "removed" | "changed"> & {
        added: string;
        removed: string;
        changed: string;
      })[];
      return rows.map((row) => ({
        ...row,
        added: JSON.parse(row.added) as unknown[],
        removed: JSON.parse(row.removed) as unknown[],
        changed: JSON.parse(row.changed) as unknown[],
      }));
    },
    pruneCapabilityChanges: chunkedPruner(db, "capability_changes", "at"),
  };
}
