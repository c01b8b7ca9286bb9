/**
 * The last capability snapshot of each on-demand server, whole, as the MCP manager gave it: what
 * the gateway lists for such a server while it is stopped.
 */
import type { SqliteDatabase } from "./database.js";

export interface LastCapabilitiesRecord {
  server_id: string;
  /** The snapshot as the manager saved it (its own shape; the store does not look inside). */
  snapshot: unknown;
  captured_at: number;
}

export interface LastCapabilitiesRepository {
  list(): Promise<LastCapabilitiesRecord[]>;
  /** Inserts or replaces the server's snapshot. */
  save(record: LastCapabilitiesRecord): Promise<void>;
  remove(serverId: string): Promise<void>;
}

export function sqliteLastCapabilitiesRepository(db: SqliteDatabase): LastCapabilitiesRepository {
  const listStmt = db.prepare("SELECT server_id, snapshot, captured_at FROM last_capabilities ORDER BY server_id");
  const upsertStmt = db.prepare(
    `INSERT INTO last_capabilities (server_id, snapshot, captured_at) VALUES (@server_id, @snapshot, @captured_at)
     ON CONFLICT (server_id) DO UPDATE SET snapshot = excluded.snapshot, captured_at = excluded.captured_at`,
  );
  const removeStmt = db.prepare("DELETE FROM last_capabilities WHERE server_id = ?");
  return {
    async list() {
      return (listStmt.all() as { server_id: string; snapshot: string; captured_at: number }[]).map((row) => ({
        ...row,
        snapshot: JSON.parse(row.snapshot) as unknown,
      }));
    },
    async save(record) {
      upsertStmt.run({ ...record, snapshot: JSON.stringify(record.snapshot) });
    },
    async remove(serverId) {
      removeStmt.run(serverId);
    },
  };
}
