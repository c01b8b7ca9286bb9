/**
 * API tokens: issuing, checking, listing and revoking them. A token is shown once, at creation;
 * only its SHA-256 hash is stored, so a copy of the database does not hand out access.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { AppError } from "../../core/errors.js";
import { newId, randomToken } from "../../core/ids.js";
import type { TokenRecord, TokenRole, TokensRepository } from "../../store/tokens-repository.js";

export const TOKEN_PREFIX = "pgf_";
export const TOKEN_ROLES: readonly TokenRole[] = ["viewer", "operator", "admin"];

/** A token as listed: everything but the hash. */
export type TokenInfo = Omit<TokenRecord, "token_hash">;

export interface TokenService {
  /** Issues a token; `token` is the only time the secret is available. */
  create(name: string, role: TokenRole): Promise<{ id: string; token: string }>;
  /** The active token this secret belongs to, or undefined. */
  verify(token: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenInfo[]>;
  /** True when the token existed and was active. */
  revoke(id: string): Promise<boolean>;
  /** Auth is enforced once at least one active token exists. */
  authEnabled(): Promise<boolean>;
}

/** last_used_at is a hint for people, not an audit log: refresh it at most once a minute. */
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function roleAllows(role: TokenRole, needed: TokenRole): boolean {
  return TOKEN_ROLES.indexOf(role) >= TOKEN_ROLES.indexOf(needed);
}

export function createTokenService(tokens: TokensRepository, clock: Clock): TokenService {
  return {
    async create(name, role) {
      const trimmed = name.trim();
      if (trimmed.length === 0 || trimmed.length > 100) {
        throw new AppError("VALIDATION_FAILED", "name: must be 1 to 100 characters", {
          issues: [{ field: "name", message: "must be 1 to 100 characters" }],
        });
      }
      if (!TOKEN_ROLES.includes(role)) {
        throw new AppError("VALIDATION_FAILED", `role: must be one of ${TOKEN_ROLES.join(", ")}`, {
          issues: [{ field: "role", message: `must be one of ${TOKEN_ROLES.join(", ")}` }],
        });
      }
      const id = newId();
      const token = TOKEN_PREFIX + randomToken(32);
      await tokens.add({
        id,
        name: trimmed,
        role,
        token_hash: hashToken(token),
        created_at: clock.now(),
        last_used_at: null,
        revoked_at: null,
      });
      return { id, token };
    },

    async verify(token) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
      // Looking up by hash is not a timing oracle: the hash of a guess is unrelated to any stored hash.
      const record = await tokens.findActiveByHash(hashToken(token));
      if (!record) return undefined;
      const now = clock.now();
      if (record.last_used_at === null || now - record.last_used_at >= TOUCH_INTERVAL_MS) {
        await tokens.touch(record.id, now);
        record.last_used_at = now;
      }
      return record;
    },

    async list() {
      return (await tokens.list()).map(({ token_hash: _hash, ...info }) => info);
    },

    async revoke(id) {
      return tokens.revoke(id, clock.now());
    },

    async authEnabled() {
      return (await tokens.countActive()) > 0;
    },
  };
}
