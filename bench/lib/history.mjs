// History query benchmark: builds a health history the way the daemon would have left it after
// `days` of checks every `intervalS` seconds for `servers` servers, then times a 24-hour history
// query for one server through the product's own HealthMonitor.history().
//
// Data goes in through the store's HealthRepository (appendSamples), and the product's own
// maintenance (HealthMonitor.maintain(): minute and hour rollups, then pruning by the default
// retention raw 24 h / minute 7 d / hour 90 d) runs on a ManualClock as simulated time passes, so
// what is left is what the retention keeps. Samples older than the minute retention only ever
// feed hour rollups, so they are written `oldIntervalS` apart (one hour rollup row per server and
// hour either way; only its `count` is smaller). Everything newer is at the full interval.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const dist = (p) => pathToFileURL(path.join(ROOT, "dist", p)).href;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Deterministic PRNG (mulberry32) so every run writes the same history. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const serverId = (i) => `srv-${String(i).padStart(3, "0")}`;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
}

/**
 * @param {{dir: string, servers: number, days?: number, intervalS?: number, oldIntervalS?: number,
 *          queries?: number, log?: (s: string) => void}} opts
 */
export async function historyBench({ dir, servers, days = 30, intervalS = 30, oldIntervalS = 600, queries = 50, log = () => {} }) {
  const [{ openStore }, { ManualClock }, { createHealthMonitor }, { silentLogger }] = await Promise.all([
    import(dist("store/index.js")),
    import(dist("core/clock.js")),
    import(dist("health/index.js")),
    import(dist("core/logger.js")),
  ]);
  fs.mkdirSync(dir, { recursive: true });
  // The history ends at a whole minute "now"; every server's checks are spread over the interval.
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - days * DAY;
  const clock = new ManualClock(start);
  const ids = Array.from({ length: servers }, (_, i) => serverId(i));
  const stubManager = {
    get: (id) => {
      if (!ids.includes(id)) throw new Error(`unknown server ${id}`);
      return { id };
    },
    list: () => [],
  };
  const open = () => {
    const store = openStore(dir, clock);
    const monitor = createHealthMonitor({ manager: stubManager, bus: { publish() {}, subscribe: () => () => {} }, repository: store.health, clock, logger: silentLogger(), probes: [] });
    return { store, monitor };
  };
  let { store, monitor } = open();
  const rnd = prng(42);
  const minuteRetentionStart = end - 7 * DAY;
  const t0 = performance.now();
  let written = 0;
  let maintainMs = 0;
  // One simulated hour at a time: write its samples, let the clock pass, run maintenance.
  for (let hour = start; hour < end; hour += HOUR) {
    const step = (hour >= minuteRetentionStart - HOUR ? intervalS : oldIntervalS) * 1000;
    const batch = [];
    for (let s = 0; s < servers; s++) {
      const offset = Math.floor((s / servers) * step);
      for (let at = hour + offset; at < hour + HOUR; at += step) {
        const ok = rnd() > 0.01;
        batch.push({
          server_id: ids[s],
          at,
          status: ok ? "healthy" : "critical",
          ok,
          response_time_ms: ok ? Math.round((2 + 30 * rnd() ** 3) * 10) / 10 : null,
          cpu_percent: Math.round(rnd() * 30) / 10,
          memory_mb: 40 + Math.round(rnd() * 200) / 10,
          error: ok ? null : "ping timed out after 10000 ms",
        });
      }
    }
    batch.sort((a, b) => a.at - b.at);
    await store.health.appendSamples(batch);
    written += batch.length;
    clock.advance(HOUR);
    const tm = performance.now();
    await monitor.maintain();
    maintainMs += performance.now() - tm;
    if ((hour - start) % (5 * DAY) === 0) log(`history (${servers} servers): day ${Math.round((hour - start) / DAY)}/${days}, ${written} samples written`);
  }
  const generateS = (performance.now() - t0) / 1000;
  store.close();

  // Closing checkpoints the WAL into the main file; this is what sits on disk.
  const dbPath = path.join(dir, "pygent.db");
  const dbBytes = fs.statSync(dbPath).size;
  const walPath = `${dbPath}-wal`;
  const walBytes = fs.existsSync(walPath) ? fs.statSync(walPath).size : 0;
  const raw = new Database(dbPath, { readonly: true });
  const count = (table) => raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n;
  const rows = {
    samples: count("health_samples"),
    minute_rollups: count("health_rollups_minute"),
    hour_rollups: count("health_rollups_hour"),
  };
  const pageSize = raw.pragma("page_size", { simple: true });
  const freePages = raw.pragma("freelist_count", { simple: true });
  raw.close();

  // Reopen (cold page cache, as after a daemon restart) and query through the monitor.
  ({ store, monitor } = open());
  const target = ids[Math.floor(servers / 2)];
  const query = { from: end - DAY, to: end, resolution: "auto" };
  let first = null;
  const times = [];
  try {
    for (let i = 0; i < queries + 1; i++) {
      const q0 = performance.now();
      const h = await monitor.history(target, query);
      const ms = performance.now() - q0;
      if (i === 0) first = { ms, resolution: h.resolution, points: h.points.length };
      else times.push(ms);
    }
  } finally {
    store.close();
  }
  times.sort((a, b) => a - b);
  return {
    servers,
    days,
    sample_interval_s: intervalS,
    sample_interval_older_than_7d_s: oldIntervalS,
    samples_written: written,
    generate_s: generateS,
    maintenance_s: maintainMs / 1000,
    rows,
    db_bytes: dbBytes,
    db_mb: dbBytes / 1048576,
    wal_bytes: walBytes,
    free_pages_bytes: freePages * pageSize,
    query: { server: target, span_h: 24, resolution: first?.resolution ?? null, points: first?.points ?? null },
    first_query_ms: first?.ms ?? null,
    queries,
    p50_ms: percentile(times, 0.5),
    p95_ms: percentile(times, 0.95),
    max_ms: times.at(-1) ?? null,
  };
}
