import type { Migration } from "./index.js";

/**
 * Usage of catalog servers (installs, tool calls made through the daemon), which ranks the
 * marketplace's "popular". Kept here rather than only in the discovery cache file, which is a
 * cache: deleting it, or a corrupt one being moved aside, must not lose the counts.
 */
export const migration007: Migration = {
  version: 7,
  name: "discovery usage",
  statements: [
    `CREATE TABLE discovery_usage (
      catalog_id TEXT PRIMARY KEY,
      installs INTEGER NOT NULL,
      tool_calls INTEGER NOT NULL,
      last_used_at TEXT
    )`,
  ],
};
