/**
 * Per-server secrets (API tokens and the like given at install time), by server id and variable
 * name. Values leave this module only through `valuesFor`, which the MCP manager calls when it
 * connects a server; listings give names alone.
 */
import type { SqliteDatabase } from "./database.js";

export interface SecretsRepository {
  /** Sets the given values for a server, replacing same-named ones; all or none. */
  set(serverId: string, values: Readonly<Record<string, string>>, at: number): Promise<void>;
  /** Every secret of the server, by name; empty when it has none. */
  valuesFor(serverId: string): Promise<Record<string, string>>;
  /** The names of the server's secrets, sorted; never their values. */
  names(serverId: string): Promise<string[]>;
  /** Forgets every secret of the server; resolves with how many there were. */
  removeForServer(serverId: string): Promise<number>;
}

export function sqliteSecretsRepository(db: SqliteDatabase): SecretsRepository {
  const upsert = db.prepare(
    `INSERT INTO secrets (server_id, name, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (server_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const values = db.prepare("SELECT name, value FROM secrets WHERE server_id = ?");
  const names = db.prepare("SELECT name FROM secrets WHERE server_id = ? ORDER BY name");
  const remove = db.prepare("DELETE FROM secrets WHERE server_id = ?");
  const setAll = db.transaction((serverId: string, entries: [string, string][], at: number) => {
    for (const [name, value] of entries) upsert.run(serverId, name, value, at);
  });
  return {
    async set(serverId, given, at) {
      setAll(serverId, Object.entries(given), at);
    },
    async valuesFor(serverId) {
      const out: Record<string, string> = {};
      for (const row of values.all(serverId) as { name: string; value: string }[]) out[row.name] = row.value;
      return out;
    },
    async names(serverId) {
      return (names.all(serverId) as { name: string }[]).map((row) => row.name);
    },
    async removeForServer(serverId) {
      return remove.run(serverId).changes;
    },
  };
}
