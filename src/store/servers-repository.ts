/** Servers registered through the API (config-file servers live in the file, not here). */
import type { SqliteDatabase } from "./database.js";

export interface StoredServer {
  id: string;
  /** The server's configuration as the API accepted it (validated by the caller). */
  config: unknown;
  created_at: number;
  updated_at: number;
}

export interface ServersRepository {
  list(): Promise<StoredServer[]>;
  get(id: string): Promise<StoredServer | undefined>;
  /** Inserts or replaces the server's configuration. */
  save(id: string, config: unknown, at: number): Promise<StoredServer>;
  remove(id: string): Promise<boolean>;
}

interface Row {
  id: string;
  config: string;
  created_at: number;
  updated_at: number;
}

const toServer = (row: Row): StoredServer => ({ ...row, config: JSON.parse(row.config) as unknown });

export function sqliteServersRepository(db: SqliteDatabase): ServersRepository {
  const listStmt = db.prepare("SELECT id, config, created_at, updated_at FROM servers ORDER BY id");
  const getStmt = db.prepare("SELECT id, config, created_at, updated_at FROM servers WHERE id = ?");
  const upsertStmt = db.prepare(
    `INSERT INTO servers (id, config, created_at, updated_at) VALUES (@id, @config, @at, @at)
     ON CONFLICT (id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
  );
  const removeStmt = db.prepare("DELETE FROM servers WHERE id = ?");
  return {
    async list() {
      return (listStmt.all() as Row[]).map(toServer);
    },
    async get(id) {
      const row = getStmt.get(id) as Row | undefined;
      return row && toServer(row);
    },
    async save(id, config, at) {
      upsertStmt.run({ id, config: JSON.stringify(config), at });
      return toServer(getStmt.get(id) as Row);
    },
    async remove(id) {
      return removeStmt.run(id).changes > 0;
    },
  };
}
