import type { Migration } from "./index.js";

export const migration001: Migration = {
  version: 1,
  name: "servers, events, process groups, tokens",
  statements: [
    `CREATE TABLE servers (
      id TEXT PRIMARY KEY,
      config TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE TABLE server_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      server_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      detail TEXT,
      exit_code INTEGER,
      signal TEXT,
      at BIGINT NOT NULL
    )`,
    `CREATE INDEX server_events_by_server ON server_events (server_id, at)`,
    `CREATE TABLE process_groups (
      pgid INTEGER PRIMARY KEY,
      pid INTEGER NOT NULL,
      server_id TEXT NOT NULL,
      daemon_pid INTEGER NOT NULL,
      daemon_instance TEXT NOT NULL,
      command TEXT NOT NULL,
      started_at BIGINT NOT NULL
    )`,
    `CREATE TABLE api_tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,
      created_at BIGINT NOT NULL,
      last_used_at BIGINT,
      revoked_at BIGINT
    )`,
  ],
};
