/** API tokens, stored as hashes only. */
import type { SqliteDatabase } from "./database.js";

export type TokenRole = "viewer" | "operator" | "admin";

export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface TokensRepository {
  add(record: TokenRecord): Promise<void>;
  findActiveByHash(hash: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenRecord[]>;
  countActive(): Promise<number>;
  isActive(id: string): Promise<boolean>;
  revoke(id: string, at: number): Promise<boolean>;
  /**
   * Revokes unless the token is the last active admin token; checked and written in one
   * transaction, so two revocations racing (API and CLI) cannot both take the last one.
   */
  revokeUnlessLastAdmin(id: string, at: number): Promise<"revoked" | "not_found" | "last_admin">;
  touch(id: string, at: number): Promise<void>;
}

export function sqliteTokensRepository(db: SqliteDatabase): TokensRepository {
  const columns = "id, name, role, token_hash, created_at, last_used_at, revoked_at";
  const insert = db.prepare(
    `INSERT INTO api_tokens (${columns}) VALUES (@id, @name, @role, @token_hash, @created_at, @last_used_at, @revoked_at)`,
  );
  const byHash = db.prepare(`SELECT ${columns} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`);
  const list = db.prepare(`SELECT ${columns} FROM api_tokens ORDER BY created_at`);
  const count = db.prepare("SELECT COUNT(*) AS n FROM api_tokens WHERE revoked_at IS NULL");
  const revoke = db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  const touch = db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?");
  const activeRole = db.prepare("SELECT role FROM api_tokens WHERE id = ? AND revoked_at IS NULL");
  const countAdmins = db.prepare("SELECT COUNT(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL");
  const revokeUnlessLastAdmin = db.transaction((id: string, at: number): "revoked" | "not_found" | "last_admin" => {
    const row = activeRole.get(id) as { role: TokenRole } | undefined;
    if (!row) return "not_found";
    if (row.role === "admin" && (countAdmins.get() as { n: number }).n <= 1) return "last_admin";
    revoke.run(at, id);
    return "revoked";
  });
  return {
    async add(record) {
      insert.run(record);
    },
    async findActiveByHash(hash) {
      return byHash.get(hash) as TokenRecord | undefined;
    },
    async list() {
      return list.all() as TokenRecord[];
    },
    async countActive() {
      return (count.get() as { n: number }).n;
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
    async isActive(id) {
      return activeRole.get(id) !== undefined;
    },
    async revokeUnlessLastAdmin(id, at) {
      // IMMEDIATE takes the write lock before the read, so another process cannot slip in between.
      return revokeUnlessLastAdmin.immediate(id, at);
    },
    async touch(id, at) {
      touch.run(at, id);
    },
  };
}
