/**
 * The audit log: append, query, prune. There is no update: a trigger refuses one (migration 005),
 * and rows leave only by retention, oldest first, in bounded chunks.
 */
import { chunkedPruner } from "./chunked-delete.js";
import type { SqliteDatabase } from "./database.js";

export interface AuditRecord {
  id: number;
  at: number;
  /** The token's id, or null for "local" (auth off, or the CLI) and "anonymous". */
  actor_id: string | null;
  actor_name: string;
  ip: string | null;
  action: string;
  target: string | null;
  ok: boolean;
  /** The HTTP status, or null for actions outside HTTP. */
  status: number | null;
  error_code: string | null;
  /** Redacted JSON, or null. */
  details: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, "id">;

export interface AuditFilter {
  /** Matches the actor's name or token id. */
  actor?: string | undefined;
  /** Matches actions starting with this text ("token." or "POST /api/v1/mcp/servers"). */
  action?: string | undefined;
  target?: string | undefined;
  /** Inclusive bounds, ms since the epoch. */
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
}

export interface AuditRepository {
  /** Appends the records in one transaction: all or none. */
  append(records: readonly NewAuditRecord[]): Promise<void>;
  /** Newest first. */
  query(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Deletes at most `limit` rows older than `before`; resolves with how many it deleted. */
  /** Deletes the entries older than `before`, in chunks that yield; resolves with how many went. */
  pruneBefore(before: number): Promise<number>;
}

interface Row extends Omit<AuditRecord, "ok"> {
  ok: number;
}

export function sqliteAuditRepository(db: SqliteDatabase): AuditRepository {
  const insert = db.prepare(
    `INSERT INTO audit_log (at, actor_id, actor_name, ip, action, target, ok, status, error_code, details)
     VALUES (@at, @actor_id, @actor_name, @ip, @action, @target, @ok, @status, @error_code, @details)`,
  );
  const appendAll = db.transaction((records: readonly NewAuditRecord[]) => {
    for (const record of records) insert.run({ ...record, ok: record.ok ? 1 : 0 });
  });
  const query = db.prepare(
    `SELECT * FROM audit_log
     WHERE (@actor IS NULL OR actor_name = @actor OR actor_id = @actor)
       AND (@action IS NULL OR substr(action, 1, length(@action)) = @action)
       AND (@target IS NULL OR target = @target)
       AND (@from IS NULL OR at >= @from)
       AND (@to IS NULL OR at <= @to)
     ORDER BY at DESC, id DESC LIMIT @limit`,
  );
  return {
    async append(records) {
      appendAll(records);
    },
    async query(filter) {
      const rows = query.all({
        actor: filter.actor ?? null,
        action: filter.action ?? null,
        target: filter.target ?? null,
        from: filter.from ?? null,
        to: filter.to ?? null,
        limit: filter.limit,
      }) as Row[];
      return rows.map((row) => ({ ...row, ok: row.ok === 1 }));
    },
    pruneBefore: chunkedPruner(db, "audit_log", "at"),
  };
}
