/**
 * The process groups alive right now, of stdio servers and of install commands, so that a daemon
 * killed with -9 can find and end, at its next start, the children it left behind.
 */
import type { SqliteDatabase } from "./database.js";

/** A stdio server, or an install command (npm install, docker pull, ...). */
export type ProcessGroupKind = "server" | "install";

export interface ProcessGroupRecord {
  pgid: number;
  pid: number;
  server_id: string;
  daemon_pid: number;
  /** A random id of the daemon run that started the group; its children carry it in their env. */
  daemon_instance: string;
  command: string;
  started_at: number;
  kind: ProcessGroupKind;
}

export interface ProcessGroupsRepository {
  add(record: ProcessGroupRecord): Promise<void>;
  remove(pgid: number): Promise<void>;
  list(): Promise<ProcessGroupRecord[]>;
}

export function sqliteProcessGroupsRepository(db: SqliteDatabase): ProcessGroupsRepository {
  const insert = db.prepare(
    `INSERT INTO process_groups (pgid, pid, server_id, daemon_pid, daemon_instance, command, started_at, kind)
     VALUES (@pgid, @pid, @server_id, @daemon_pid, @daemon_instance, @command, @started_at, @kind)
     ON CONFLICT (pgid) DO UPDATE SET pid = excluded.pid, server_id = excluded.server_id,
       daemon_pid = excluded.daemon_pid, daemon_instance = excluded.daemon_instance, command = excluded.command,
       started_at = excluded.started_at, kind = excluded.kind`,
  );
  const remove = db.prepare("DELETE FROM process_groups WHERE pgid = ?");
  const list = db.prepare("SELECT pgid, pid, server_id, daemon_pid, daemon_instance, command, started_at, kind FROM process_groups");
  return {
    async add(record) {
      insert.run(record);
    },
    async remove(pgid) {
      remove.run(pgid);
    },
    async list() {
      return list.all() as ProcessGroupRecord[];
    },
  };
}
