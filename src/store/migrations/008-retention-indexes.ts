import type { Migration } from "./index.js";

/**
 * Server events and capability changes are pruned by age (health.retention): these indexes let
 * each chunk of that pruning find its oldest rows without scanning the table.
 */
export const migration008: Migration = {
  version: 8,
  name: "time indexes for pruning server events and capability changes",
  statements: [
    `CREATE INDEX server_events_by_time ON server_events (at)`,
    `CREATE INDEX capability_changes_by_time ON capability_changes (at)`,
  ],
};
