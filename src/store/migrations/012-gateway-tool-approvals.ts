import type { Migration } from "./index.js";

/**
 * The tool definitions the gateway may serve: one approved definition per (server, tool), its
 * hash, and when and by whom it was approved ("auto" for a new server's tools). A tool whose
 * definition no longer hashes to its row is withheld until someone approves the new one.
 */
export const migration012: Migration = {
  version: 12,
  name: "gateway tool approvals",
  statements: [
    `CREATE TABLE gateway_tool_approvals (
      server_id TEXT NOT NULL,
      tool TEXT NOT NULL,
      hash TEXT NOT NULL,
      definition TEXT NOT NULL,
      approved_at BIGINT NOT NULL,
      approved_by TEXT NOT NULL,
      PRIMARY KEY (server_id, tool)
    )`,
  ],
};
