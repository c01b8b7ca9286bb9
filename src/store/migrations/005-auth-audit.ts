import type { Migration } from "./index.js";

/**
 * The auth switch, kept in the store so it survives restarts and cannot flip by accident (one
 * row; it starts on when an active token already exists, which is what the old rule meant), the
 * bind of the daemon that owns the data directory (so the CLI can refuse `auth off` while the
 * daemon listens beyond loopback), and the append-only audit log. A trigger refuses any UPDATE
 * of an audit row; rows leave only by retention.
 */
export const migration005: Migration = {
  version: 5,
  name: "auth state and audit log",
  statements: [
    `CREATE TABLE auth_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      enabled INTEGER NOT NULL,
      changed_at BIGINT,
      changed_by TEXT NOT NULL,
      daemon_host TEXT,
      daemon_port INTEGER,
      daemon_pid INTEGER,
      daemon_requires_auth INTEGER,
      daemon_since BIGINT
    )`,
    `INSERT INTO auth_state (id, enabled, changed_at, changed_by)
      SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM api_tokens WHERE revoked_at IS NULL) THEN 1 ELSE 0 END, NULL, 'migration'`,
    `CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at BIGINT NOT NULL,
      actor_id TEXT,
      actor_name TEXT NOT NULL,
      ip TEXT,
      action TEXT NOT NULL,
      target TEXT,
      ok INTEGER NOT NULL,
      status INTEGER,
      error_code TEXT,
      details TEXT
    )`,
    `CREATE INDEX audit_log_by_time ON audit_log (at)`,
    `CREATE INDEX audit_log_by_action ON audit_log (action, at)`,
    `CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
  ],
};
