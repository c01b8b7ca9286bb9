import type { Migration } from "./index.js";

/**
 * The whole capability snapshot (tools with their schemas, resources, prompts) an on-demand
 * server last reported, so that its tools can be listed while it is stopped, across restarts of
 * the daemon. The health monitor's `capability_snapshots` keeps only fingerprints.
 */
export const migration013: Migration = {
  version: 13,
  name: "last capability snapshot of on-demand servers",
  statements: [
    `CREATE TABLE last_capabilities (
      server_id TEXT PRIMARY KEY,
      snapshot TEXT NOT NULL,
      captured_at BIGINT NOT NULL
    )`,
  ],
};
