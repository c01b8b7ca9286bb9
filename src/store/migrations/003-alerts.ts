/** Alerts (firing and history) and the alert rules created through the API. */
import type { Migration } from "./index.js";

export const migration003: Migration = {
  version: 3,
  name: "alerts and alert rules",
  statements: [
    `CREATE TABLE alerts (
      id TEXT PRIMARY KEY,
      rule_id TEXT NOT NULL,
      server_id TEXT NOT NULL,
      state TEXT NOT NULL,
      severity TEXT NOT NULL,
      summary TEXT NOT NULL,
      started_at BIGINT NOT NULL,
      resolved_at BIGINT,
      acked_at BIGINT,
      acked_by TEXT,
      last_notified_at BIGINT,
      labels TEXT NOT NULL
    )`,
    `CREATE INDEX alerts_by_state ON alerts (state, started_at)`,
    `CREATE INDEX alerts_by_server ON alerts (server_id, started_at)`,
    `CREATE TABLE alert_rules (
      id TEXT PRIMARY KEY,
      rule TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
  ],
};
