/** The lifecycle history of each server: started, exited (code or signal), restarted, ... */
import { chunkedPruner } from "./chunked-delete.js";
import type { SqliteDatabase } from "./database.js";

/** `unclean_shutdown`: the daemon's previous run ended without stopping the server (kill -9, a crash). */
export type ServerEventKind = "started" | "exited" | "restarted" | "stopped" | "failed" | "crash_loop" | "unclean_shutdown";

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
  /** Deletes the events before the instant, in chunks that yield; resolves with how many went. */
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
  return {
    async append(event) {
      insert.run(event);
    },
    async listForServer(serverId, limit) {
      return list.all(serverId, limit) as ServerEventRecord[];
    },
    pruneBefore: chunkedPruner(db, "server_events", "at"),
  };
}
