import type { Migration } from "./index.js";

/** The dashboard's saved layouts: named arrangements of panels a user made. */
export const migration019: Migration = {
  version: 19,
  name: "dashboard layouts",
  statements: [
    `CREATE TABLE dashboard_layouts (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      panels TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
  ],
};
