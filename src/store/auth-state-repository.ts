/**
 * The auth switch and the bind of the daemon that owns the data directory (one row, see migration
 * 005). The API asks for it on every request: the row is kept between reads and read again after a
 * write through this repository, or after a commit by another connection (`PRAGMA data_version`,
 * which moves when another connection — the CLI creating a token — has written the database).
 * Asking SQLite for that version opens a read transaction (about 35 µs a request in a profile of a
 * daemon under calls), so it is asked at most once per `AUTH_SWITCH_RECHECK_MS`: another process's
 * change is seen within that, this repository's own at once.
 */
import type { SqliteDatabase } from "./database.js";

/** How long a read of the switch stands before another connection's commits are looked for again. */
export const AUTH_SWITCH_RECHECK_MS = 50;

export interface DaemonBindRecord {
  host: string;
  port: number;
  pid: number;
  /** Whether that daemon forces auth on (a non-loopback bind or the config's security section). */
  requires_auth: boolean;
  since: number;
}

export interface AuthStateRecord {
  enabled: boolean;
  /** Null until someone or something changed it after the migration. */
  changed_at: number | null;
  /** Who changed it last: "local" (the CLI), "daemon" (its bind or config), or "migration". */
  changed_by: string;
  /** The daemon that last recorded its bind and has not cleared it; it may have died since. */
  daemon: DaemonBindRecord | null;
}

export interface AuthStateRepository {
  get(): Promise<AuthStateRecord>;
  /** True when the value changed. */
  setEnabled(enabled: boolean, at: number, by: string): Promise<boolean>;
  recordDaemon(bind: DaemonBindRecord): Promise<void>;
  /** Clears the recorded bind if it is still the one this pid wrote. */
  clearDaemon(pid: number): Promise<void>;
}

interface Row {
  enabled: number;
  changed_at: number | null;
  changed_by: string;
  daemon_host: string | null;
  daemon_port: number | null;
  daemon_pid: number | null;
  daemon_requires_auth: number | null;
  daemon_since: number | null;
}

export function sqliteAuthStateRepository(db: SqliteDatabase, now: () => number): AuthStateRepository {
  const get = db.prepare("SELECT * FROM auth_state WHERE id = 1");
  const dataVersion = db.prepare("PRAGMA data_version").pluck();
  /** The row as last read, the data version it was read at and when that version was last asked; none after a write of ours. */
  let kept: { version: unknown; record: AuthStateRecord; checkedAt: number } | undefined;
  const set = db.prepare("UPDATE auth_state SET enabled = ?, changed_at = ?, changed_by = ? WHERE id = 1 AND enabled <> ?");
  const record = db.prepare(
    `UPDATE auth_state SET daemon_host = @host, daemon_port = @port, daemon_pid = @pid,
       daemon_requires_auth = @requires_auth, daemon_since = @since WHERE id = 1`,
  );
  const clear = db.prepare(
    `UPDATE auth_state SET daemon_host = NULL, daemon_port = NULL, daemon_pid = NULL,
       daemon_requires_auth = NULL, daemon_since = NULL WHERE id = 1 AND daemon_pid = ?`,
  );
  return {
    async get() {
      const at = now();
      if (kept !== undefined && at - kept.checkedAt < AUTH_SWITCH_RECHECK_MS && at >= kept.checkedAt) return kept.record;
      const version = dataVersion.get();
      if (kept !== undefined && kept.version === version) {
        kept.checkedAt = at;
        return kept.record;
      }
      const row = get.get() as Row;
      const daemon: DaemonBindRecord | null =
        row.daemon_host === null || row.daemon_port === null || row.daemon_pid === null
          ? null
          : {
              host: row.daemon_host,
              port: row.daemon_port,
              pid: row.daemon_pid,
              requires_auth: row.daemon_requires_auth === 1,
              since: row.daemon_since ?? 0,
            };
      const read: AuthStateRecord = { enabled: row.enabled === 1, changed_at: row.changed_at, changed_by: row.changed_by, daemon };
      kept = { version, record: read, checkedAt: at };
      return read;
    },
    async setEnabled(enabled, at, by) {
      kept = undefined;
      const flag = enabled ? 1 : 0;
      return set.run(flag, at, by, flag).changes > 0;
    },
    async recordDaemon(bind) {
      kept = undefined;
      record.run({ ...bind, requires_auth: bind.requires_auth ? 1 : 0 });
    },
    async clearDaemon(pid) {
      kept = undefined;
      clear.run(pid);
    },
  };
}
