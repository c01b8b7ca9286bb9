import type { Migration } from "./index.js";

/**
 * The notification outbox: a notification a network channel could not deliver waits here, one row
 * per (notification, channel), for the next daemon too. `finished_at` stays NULL while a row is
 * pending, so the age-based pruning of finished rows never touches one. Per-channel delivery
 * counters and the last outcome live beside it, since finished rows are pruned.
 */
export const migration009: Migration = {
  version: 9,
  name: "alert notification outbox and channel delivery state",
  statements: [
    `CREATE TABLE alert_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      channel_id TEXT NOT NULL,
      notification_id TEXT NOT NULL,
      alert_ids TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      last_error TEXT,
      next_attempt_at BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      finished_at BIGINT,
      UNIQUE (notification_id, channel_id)
    )`,
    `CREATE INDEX alert_outbox_pending ON alert_outbox (state, channel_id, id)`,
    `CREATE INDEX alert_outbox_by_finish ON alert_outbox (finished_at)`,
    `CREATE TABLE alert_channel_stats (
      channel_id TEXT PRIMARY KEY,
      last_success_at BIGINT,
      last_failure_at BIGINT,
      last_error TEXT,
      delivered INTEGER NOT NULL DEFAULT 0,
      expired INTEGER NOT NULL DEFAULT 0,
      dropped INTEGER NOT NULL DEFAULT 0
    )`,
  ],
};
