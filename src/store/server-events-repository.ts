/** The lifecycle history of each server: started, exited (code or signal), restarted, ... */
import type { SqliteDatabase } from "./database.js";

export type ServerEventKind = "started" | "exited" | "restarted" | "stopped" | "failed" | "crash_loop";

export interface ServerEventRecord {
  id: number;
  server_id: string;
  kind: ServerEventKind;
  detail: string | null;
  exit_code: number | null;
  signal: string | null;
  at: number;
}

export type NewServerEvent = Omit<ServerEventRecord, "id">;

export interface ServerEventsRepository {
  append(event: NewServerEvent): Promise<void>;
  /** Newest first. */
  listForServer(serverId: string, limit: number): Promise<ServerEventRecord[]>;
  pruneBefore(at: number): Promise<number>;
}

export function sqliteServerEventsRepository(db: SqliteDatabase): ServerEventsRepository {
  const insert = db.prepare(
    `INSERT INTO server_events (server_id, kind, detail, exit_code, signal, at)
     VALUES (@server_id, @kind, @detail, @exit_code, @signal, @at)`,
  );
  const list = db.prepare(
    `SELECT id, server_id, kind, detail, exit_code, signal, at FROM server_events
     WHERE server_id = ? ORDER BY at DESC, id DESC LIMIT ?`,
  );
  const prune = db.prepare("DELETE FROM server_events WHERE at < ?");
  return {
    async append(event) {
      insert.run(event);
    },
    async listForServer(serverId, limit) {
      return list.all(serverId, limit) as ServerEventRecord[];
    },
    async pruneBefore(at) {
      return prune.run(at).changes;
    },
  };
}
