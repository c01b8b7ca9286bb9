import type { Migration } from "./index.js";

/**
 * Secrets given when installing a server (kept here, outside the config file, and filled into the
 * server's `${NAME}` references at connect time) and what each install from the catalog put on
 * disk, so uninstall removes exactly that.
 */
export const migration004: Migration = {
  version: 4,
  name: "server secrets and installs",
  statements: [
    `CREATE TABLE secrets (
      server_id TEXT NOT NULL,
      name TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (server_id, name)
    )`,
    `CREATE TABLE installs (
      server_id TEXT PRIMARY KEY,
      catalog_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      package TEXT,
      version TEXT,
      install_dir TEXT,
      installed_at BIGINT NOT NULL
    )`,
  ],
};
