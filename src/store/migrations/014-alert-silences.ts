import type { Migration } from "./index.js";

/**
 * Alert silences and recurring maintenance windows: matchers and the window as JSON, instants in
 * milliseconds; `ends_at` is null for a recurring window with no end. Expiring one early sets
 * `ends_at` to that moment, so the row keeps its history.
 */
export const migration014: Migration = {
  version: 14,
  name: "alert silences",
  statements: [
    `CREATE TABLE alert_silences (
      id TEXT PRIMARY KEY,
      matchers TEXT NOT NULL,
      starts_at BIGINT NOT NULL,
      ends_at BIGINT,
      maintenance_window TEXT,
      comment TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX alert_silences_by_end ON alert_silences (ends_at)`,
  ],
};
