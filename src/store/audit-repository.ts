/**
 * The audit log: append, query, prune. There is no update: a trigger refuses one (migration 005),
 * and rows leave only by retention, oldest first, in bounded chunks.
 */
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
  append(record: NewAuditRecord): Promise<void>;
  /** Newest first. */
  query(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Deletes at most `limit` rows older than `before`; resolves with how many it deleted. */
  pruneBefore(before: number, limit: number): Promise<number>;
}

interface Row extends Omit<AuditRecord, "ok"> {
  ok: number;
}

export function sqliteAuditRepository(db: SqliteDatabase): AuditRepository {
  const insert = db.prepare(
    `INSERT INTO audit_log (at, actor_id, actor_name, ip, action, target, ok, status, error_code, details)
     VALUES (@at, @actor_id, @actor_name, @ip, @action, @target, @ok, @status, @error_code, @details)`,
  );
  const query = db.prepare(
    `SELECT * FROM audit_log
     WHERE (@actor IS NULL OR actor_name = @actor OR actor_id = @actor)
       AND (@action IS NULL OR substr(action, 1, length(@action)) = @action)
       AND (@target IS NULL OR target = @target)
       AND (@from IS NULL OR at >= @from)
       AND (@to IS NULL OR at <= @to)
     ORDER BY at DESC, id DESC LIMIT @limit`,
  );
  const prune = db.prepare(
    "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)",
  );
  return {
    async append(record) {
      insert.run({ ...record, ok: record.ok ? 1 : 0 });
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
    async pruneBefore(before, limit) {
      return prune.run(before, limit).changes;
    },
  };
}
