/**
 * Alert silences: who silenced which alerts, when, and why. The rows are kept after they end, as
 * history, until pruned. Matchers and the maintenance window are stored as the alerts domain
 * validated them (JSON); this module knows their shape only as data.
 */
import type { SqliteDatabase } from "./database.js";

export interface SilenceRecord {
  id: string;
  /** The matchers, as validated by the caller. */
  matchers: unknown;
  starts_at: number;
  ends_at: number | null;
  /** The recurring window, as validated by the caller; null for one stretch of time. */
  window: unknown;
  comment: string;
  created_by: string;
  created_at: number;
}

export interface AlertSilencesRepository {
  insert(record: SilenceRecord): Promise<void>;
  /** Newest first. */
  list(): Promise<SilenceRecord[]>;
  /** Ends the silence at `at` (and starts it then, if it had not started); false when no silence has the id. */
  end(id: string, at: number): Promise<boolean>;
  /** Deletes silences that ended before `at`; returns how many. */
  pruneEndedBefore(at: number): Promise<number>;
}

interface SilenceRow {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number | null;
  maintenance_window: string | null;
  comment: string;
  created_by: string;
  created_at: number;
}

const COLUMNS = "id, matchers, starts_at, ends_at, maintenance_window, comment, created_by, created_at";

const toRecord = ({ maintenance_window, matchers, ...row }: SilenceRow): SilenceRecord => ({
  ...row,
  matchers: JSON.parse(matchers) as unknown,
  window: maintenance_window === null ? null : (JSON.parse(maintenance_window) as unknown),
});

export function sqliteAlertSilencesRepository(db: SqliteDatabase): AlertSilencesRepository {
  const insert = db.prepare(
    `INSERT INTO alert_silences (${COLUMNS}) VALUES (@id, @matchers, @starts_at, @ends_at, @maintenance_window, @comment, @created_by, @created_at)`,
  );
  const list = db.prepare(`SELECT ${COLUMNS} FROM alert_silences ORDER BY created_at DESC, id DESC`);
  const end = db.prepare("UPDATE alert_silences SET ends_at = @at, starts_at = MIN(starts_at, @at) WHERE id = @id");
  const prune = db.prepare("DELETE FROM alert_silences WHERE ends_at IS NOT NULL AND ends_at < ?");
  return {
    async insert({ window, matchers, ...record }) {
      insert.run({ ...record, matchers: JSON.stringify(matchers), maintenance_window: window === null ? null : JSON.stringify(window) });
    },
    async list() {
      return (list.all() as SilenceRow[]).map(toRecord);
    },
    async end(id, at) {
      return end.run({ id, at }).changes > 0;
    },
    async pruneEndedBefore(at) {
      return prune.run(at).changes;
    },
  };
}
