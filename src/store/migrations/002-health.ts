import type { Migration } from "./index.js";

/**
 * Health history: raw samples (kept about a day), per-minute and per-hour rollups (kept for
 * weeks and months), how far the rollups have got, and the capability snapshot of each server
 * with the changes seen in it. Indexes lead with server_id so one server's window is a range
 * scan however many servers share the table; the `at`/`bucket` indexes serve pruning.
 */
export const migration002: Migration = {
  version: 2,
  name: "health samples, rollups, capability snapshots",
  statements: [
    `CREATE TABLE health_samples (
      server_id TEXT NOT NULL,
      at BIGINT NOT NULL,
      status TEXT NOT NULL,
      ok INTEGER NOT NULL,
      response_time_ms REAL,
      cpu_percent REAL,
      memory_mb REAL,
      error TEXT
    )`,
    // ok is in the index so uptime counts are answered from the index alone.
    `CREATE INDEX health_samples_by_server ON health_samples (server_id, at, ok)`,
    `CREATE INDEX health_samples_by_time ON health_samples (at)`,
    `CREATE TABLE health_rollups_minute (
      server_id TEXT NOT NULL,
      bucket BIGINT NOT NULL,
      count INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      latency_min REAL,
      latency_avg REAL,
      latency_p95 REAL,
      latency_max REAL,
      cpu_avg REAL,
      memory_avg REAL,
      memory_max REAL,
      PRIMARY KEY (server_id, bucket)
    )`,
    `CREATE INDEX health_rollups_minute_by_time ON health_rollups_minute (bucket)`,
    `CREATE TABLE health_rollups_hour (
      server_id TEXT NOT NULL,
      bucket BIGINT NOT NULL,
      count INTEGER NOT NULL,
      failures INTEGER NOT NULL,
      latency_min REAL,
      latency_avg REAL,
      latency_p95 REAL,
      latency_max REAL,
      cpu_avg REAL,
      memory_avg REAL,
      memory_max REAL,
      PRIMARY KEY (server_id, bucket)
    )`,
    `CREATE INDEX health_rollups_hour_by_time ON health_rollups_hour (bucket)`,
    `CREATE TABLE health_rollup_state (
      resolution TEXT PRIMARY KEY,
      through BIGINT NOT NULL
    )`,
    `CREATE TABLE capability_snapshots (
      server_id TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      items TEXT NOT NULL,
      captured_at BIGINT NOT NULL
    )`,
    `CREATE TABLE capability_changes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      server_id TEXT NOT NULL,
      at BIGINT NOT NULL,
      previous_fingerprint TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      added TEXT NOT NULL,
      removed TEXT NOT NULL,
      changed TEXT NOT NULL
    )`,
    `CREATE INDEX capability_changes_by_server ON capability_changes (server_id, at)`,
  ],
};
