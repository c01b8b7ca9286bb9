/**
 * API tokens, stored as hashes only. A token is active while it is neither revoked nor past its
 * expiry; `now` is the caller's clock.
 */
import type { SqliteDatabase } from "./database.js";

export type TokenRole = "viewer" | "operator" | "admin";

/** The roles from least to most allowed. */
export const TOKEN_ROLES: readonly TokenRole[] = ["viewer", "operator", "admin"];

/** Whether a token of `role` may do what needs `needed`: each role may do what those below it may. */
export function roleAllows(role: TokenRole, needed: TokenRole): boolean {
  return TOKEN_ROLES.indexOf(role) >= TOKEN_ROLES.indexOf(needed);
}

export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** When it stops being accepted; null: never. */
  expires_at: number | null;
}

export interface TokensRepository {
  add(record: TokenRecord): Promise<void>;
  /** The unrevoked token with this hash, expired or not. */
  findUnrevokedByHash(hash: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenRecord[]>;
  countActive(now: number): Promise<number>;
  /** Whether the token is active, revoked (or unknown), or expired. */
  state(id: string, now: number): Promise<"active" | "revoked" | "expired">;
  revoke(id: string, at: number): Promise<boolean>;
  /**
   * Revokes unless the token is the last active (unrevoked, unexpired) admin token; checked and
   * written in one transaction, so two revocations racing (API and CLI) cannot both take the last
   * one. An expired token may always be revoked.
   */
  revokeUnlessLastAdmin(id: string, at: number): Promise<"revoked" | "not_found" | "last_admin">;
  touch(id: string, at: number): Promise<void>;
}

export function sqliteTokensRepository(db: SqliteDatabase): TokensRepository {
  const columns = "id, name, role, token_hash, created_at, last_used_at, revoked_at, expires_at";
  const insert = db.prepare(
    `INSERT INTO api_tokens (${columns}) VALUES (@id, @name, @role, @token_hash, @created_at, @last_used_at, @revoked_at, @expires_at)`,
  );
  const unexpired = "(expires_at IS NULL OR expires_at > @now)";
  const byHash = db.prepare(`SELECT ${columns} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`);
  const list = db.prepare(`SELECT ${columns} FROM api_tokens ORDER BY created_at`);
  const count = db.prepare(`SELECT COUNT(*) AS n FROM api_tokens WHERE revoked_at IS NULL AND ${unexpired}`);
  const revoke = db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  const touch = db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?");
  const unrevoked = db.prepare("SELECT role, expires_at FROM api_tokens WHERE id = ? AND revoked_at IS NULL");
  const countAdmins = db.prepare(`SELECT COUNT(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL AND ${unexpired}`);
  const unrevokedRow = (id: string) => unrevoked.get(id) as { role: TokenRole; expires_at: number | null } | undefined;
  const expiredAt = (row: { expires_at: number | null }, now: number): boolean => row.expires_at !== null && row.expires_at <= now;
  const revokeUnlessLastAdmin = db.transaction((id: string, at: number): "revoked" | "not_found" | "last_admin" => {
    const row = unrevokedRow(id);
    if (!row) return "not_found";
    if (row.role === "admin" && !expiredAt(row, at) && (countAdmins.get({ now: at }) as { n: number }).n <= 1) return "last_admin";
    revoke.run(at, id);
    return "revoked";
  });
  return {
    async add(record) {
      insert.run(record);
    },
    async findUnrevokedByHash(hash) {
      return byHash.get(hash) as TokenRecord | undefined;
    },
    async list() {
      return list.all() as TokenRecord[];
    },
    async countActive(now) {
      return (count.get({ now }) as { n: number }).n;
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
    async state(id, now) {
      const row = unrevokedRow(id);
      if (!row) return "revoked";
      return expiredAt(row, now) ? "expired" : "active";
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
