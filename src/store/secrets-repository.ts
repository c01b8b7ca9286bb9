/**
 * Per-server secrets (API tokens and the like given at install time), by server id and variable
 * name, encrypted at rest (secret-cipher.ts) under the key from secret-key.ts. Values leave this
 * module only through `valuesFor`, which the MCP manager calls when it connects a server;
 * listings give names alone. A key that did not write the rows is an error naming where the
 * key came from, never garbage handed to a server.
 */
import { AppError } from "../core/errors.js";
import type { SqliteDatabase } from "./database.js";
import { createSecretCipher, type SecretCipher } from "./secret-cipher.js";
import { SECRET_KEY_ENV, type SecretKeySource } from "./secret-key.js";

export interface SecretsRepository {
  /** Sets the given values for a server, replacing same-named ones; all or none. */
  set(serverId: string, values: Readonly<Record<string, string>>, at: number): Promise<void>;
  /** Every secret of the server, by name; empty when it has none. */
  valuesFor(serverId: string): Promise<Record<string, string>>;
  /** The names of the server's secrets, sorted; never their values. */
  names(serverId: string): Promise<string[]>;
  /** Every server that has secrets, with their names, sorted; never the values. */
  listNames(): Promise<Array<{ server_id: string; names: string[] }>>;
  /** Forgets every secret of the server; resolves with how many there were. */
  removeForServer(serverId: string): Promise<number>;
  /**
   * Brings the table in line with the key, once at open: finishes or undoes a rotation cut
   * short, encrypts rows written in plaintext by an older version, and checks that the key
   * opens the rows already encrypted. Resolves with how many plaintext rows it encrypted.
   */
  prepare(): Promise<{ encrypted: number }>;
  /**
   * Re-encrypts every value under `newKey` in one transaction; with a key file, the new key is
   * on disk before the transaction and replaces the old one after it. Resolves with the count.
   */
  rotate(newKey: Buffer): Promise<{ reencrypted: number }>;
}

interface SecretRow {
  server_id: string;
  name: string;
  value: string;
  encrypted: number;
}

export function sqliteSecretsRepository(db: SqliteDatabase, keys: SecretKeySource): SecretsRepository {
  const upsert = db.prepare(
    `INSERT INTO secrets (server_id, name, value, encrypted, updated_at) VALUES (?, ?, ?, 1, ?)
     ON CONFLICT (server_id, name) DO UPDATE SET value = excluded.value, encrypted = 1, updated_at = excluded.updated_at`,
  );
  const rowsOf = db.prepare("SELECT server_id, name, value, encrypted FROM secrets WHERE server_id = ?");
  const allRows = db.prepare("SELECT server_id, name, value, encrypted FROM secrets ORDER BY server_id, name");
  const oneEncrypted = db.prepare("SELECT server_id, name, value, encrypted FROM secrets WHERE encrypted = 1 LIMIT 1");
  const names = db.prepare("SELECT name FROM secrets WHERE server_id = ? ORDER BY name");
  const allNames = db.prepare("SELECT server_id, name FROM secrets ORDER BY server_id, name");
  const remove = db.prepare("DELETE FROM secrets WHERE server_id = ?");
  const replace = db.prepare("UPDATE secrets SET value = ?, encrypted = 1 WHERE server_id = ? AND name = ?");
  const replaceAll = db.transaction((rows: Array<[string, string, string]>) => {
    for (const [serverId, name, value] of rows) replace.run(value, serverId, name);
  });
  const setAll = db.transaction((serverId: string, entries: Array<[string, string]>, at: number) => {
    for (const [name, value] of entries) upsert.run(serverId, name, value, at);
  });

  let cipher: SecretCipher | undefined;
  const writer = (): SecretCipher => (cipher ??= createSecretCipher(keys.currentOrCreate()));
  const reader = (): SecretCipher => {
    if (cipher) return cipher;
    const key = keys.current();
    if (!key) {
      throw new AppError(
        "CONFIG_INVALID",
        `the stored secrets are encrypted, but there is no key: restore the key file ${keys.description}, or set ${SECRET_KEY_ENV} to the key they were written with`,
      );
    }
    cipher = createSecretCipher(key);
    return cipher;
  };
  const plaintextOf = (row: SecretRow, using: SecretCipher): string => {
    if (row.encrypted === 0) return row.value;
    const value = using.decrypt(row.server_id, row.name, row.value);
    if (value === undefined) {
      throw new AppError(
        "CONFIG_INVALID",
        `the stored secret ${row.name} of "${row.server_id}" cannot be decrypted with the key from ${keys.description}: ` +
          "it is not the key the secrets were written with (or the row was altered). Restore that key; the values cannot be read without it.",
      );
    }
    return value;
  };

  return {
    async set(serverId, given, at) {
      const using = writer();
      setAll(serverId, Object.entries(given).map(([name, value]) => [name, using.encrypt(serverId, name, value)]), at);
    },
    async valuesFor(serverId) {
      const rows = rowsOf.all(serverId) as SecretRow[];
      const out: Record<string, string> = {};
      if (rows.length === 0) return out;
      const using = rows.some((row) => row.encrypted === 1) ? reader() : writer();
      for (const row of rows) out[row.name] = plaintextOf(row, using);
      return out;
    },
    async names(serverId) {
      return (names.all(serverId) as { name: string }[]).map((row) => row.name);
    },
    async listNames() {
      const out = new Map<string, string[]>();
      for (const row of allNames.all() as { server_id: string; name: string }[]) {
        const list = out.get(row.server_id) ?? [];
        list.push(row.name);
        out.set(row.server_id, list);
      }
      return [...out].map(([server_id, list]) => ({ server_id, names: list }));
    },
    async removeForServer(serverId) {
      return remove.run(serverId).changes;
    },
    async prepare() {
      const sample = oneEncrypted.get() as SecretRow | undefined;
      const pending = keys.pending();
      if (pending) {
        // The rows tell which side of the rotation's transaction the cut came.
        const committed = sample !== undefined && createSecretCipher(pending).decrypt(sample.server_id, sample.name, sample.value) !== undefined;
        if (committed) keys.commit();
        else keys.discard();
      }
      if (sample) plaintextOf(sample, reader());
      const plain = (allRows.all() as SecretRow[]).filter((row) => row.encrypted === 0);
      if (plain.length === 0) return { encrypted: 0 };
      const using = writer();
      replaceAll(plain.map((row) => [row.server_id, row.name, using.encrypt(row.server_id, row.name, row.value)]));
      // The pages that held the plaintext leave the WAL now, not at some later checkpoint.
      db.pragma("wal_checkpoint(TRUNCATE)");
      return { encrypted: plain.length };
    },
    async rotate(newKey) {
      const rows = allRows.all() as SecretRow[];
      const old = rows.some((row) => row.encrypted === 1) ? reader() : undefined;
      const next = createSecretCipher(newKey);
      const reencrypted = rows.map((row): [string, string, string] => [
        row.server_id,
        row.name,
        next.encrypt(row.server_id, row.name, old ? plaintextOf(row, old) : row.value),
      ]);
      if (!keys.fromEnvironment) keys.stage(newKey);
      try {
        replaceAll(reencrypted);
      } catch (error) {
        if (!keys.fromEnvironment) keys.discard();
        throw error;
      }
      if (!keys.fromEnvironment) keys.commit();
      cipher = next;
      return { reencrypted: rows.length };
    },
  };
}
