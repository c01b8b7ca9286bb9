/**
 * The process groups of stdio servers alive right now, so that a daemon killed with -9 can find
 * and end, at its next start, the children it left behind.
 */
import type { SqliteDatabase } from "./database.js";

export interface ProcessGroupRecord {
  pgid: number;
  pid: number;
  server_id: string;
  daemon_pid: number;
  /** A random id of the daemon run that started the group; its children carry it in their env. */
  daemon_instance: string;
  command: string;
  started_at: number;
}

export interface ProcessGroupsRepository {
  add(record: ProcessGroupRecord): Promise<void>;
  remove(pgid: number): Promise<void>;
  list(): Promise<ProcessGroupRecord[]>;
}

export function sqliteProcessGroupsRepository(db: SqliteDatabase): ProcessGroupsRepository {
  const insert = db.prepare(
    `INSERT INTO process_groups (pgid, pid, server_id, daemon_pid, daemon_instance, command, started_at)
     VALUES (@pgid, @pid, @server_id, @daemon_pid, @daemon_instance, @command, @started_at)
     ON CONFLICT (pgid) DO UPDATE SET pid = excluded.pid, server_id = excluded.server_id,
       daemon_pid = excluded.daemon_pid, daemon_instance = excluded.daemon_instance, command = excluded.command, started_at = excluded.started_at`,
  );
  const remove = db.prepare("DELETE FROM process_groups WHERE pgid = ?");
  const list = db.prepare("SELECT pgid, pid, server_id, daemon_pid, daemon_instance, command, started_at FROM process_groups");
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
