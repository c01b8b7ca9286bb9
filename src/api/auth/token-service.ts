/**
 * API tokens: issuing, checking, listing and revoking them. A token is shown once, at creation;
 * only its SHA-256 hash is stored, so a copy of the database does not hand out access. Creating
 * a token turns auth on; revoking the last admin token while auth is on is refused, since no one
 * could then administer the daemon through the API. A token may carry an expiry; past it, it is
 * refused as expired and no longer counts as an admin token (when every admin token has expired,
 * `pygent token create --role admin` on the data directory is the way back). Every change goes to
 * the audit log.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { LOCAL_ACTOR, type AuditActor, type AuditService } from "../../audit/index.js";
import { AppError } from "../../core/errors.js";
import { newId, randomToken } from "../../core/ids.js";
import type { AuthStateRepository } from "../../store/index.js";
import { TOKEN_ROLES, type TokenRecord, type TokenRole, type TokensRepository } from "../../store/tokens-repository.js";
import type { AuthState } from "./auth-state.js";

export const TOKEN_PREFIX = "pgf_";
export { roleAllows, TOKEN_ROLES } from "../../store/tokens-repository.js";

/** A token as listed: everything but the hash, and whether it has expired. */
export type TokenInfo = Omit<TokenRecord, "token_hash"> & { expired: boolean };

/** What a presented secret is: an active token, an expired one, or nothing (unknown or revoked). */
export type TokenCheck =
  | { ok: true; token: TokenRecord }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "expired"; expires_at: number };

export interface TokenService {
  /**
   * Issues a token and turns auth on; `token` is the only time the secret is available.
   * `expiresAt` (ms since the epoch) must be in the future; without it the token never expires.
   */
  create(name: string, role: TokenRole, actor?: AuditActor, expiresAt?: number): Promise<{ id: string; token: string; expires_at: number | null }>;
  verify(token: string): Promise<TokenCheck>;
  list(): Promise<TokenInfo[]>;
  /**
   * True when the token existed and was active. Throws LAST_ADMIN_TOKEN (409) for the last
   * active admin token while auth is on.
   */
  revoke(id: string, actor?: AuditActor): Promise<boolean>;
  /** Whether requests need a token (the auth switch, see auth-state.ts). */
  authEnabled(): Promise<boolean>;
  /** Whether a token is still active; the /ws hub asks to close connections whose token was revoked or expired. */
  state(id: string): Promise<"active" | "revoked" | "expired">;
}

/** last_used_at is a hint for people, not an audit log: refresh it at most once a minute. */
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface TokenServiceOptions {
  audit?: AuditService | undefined;
  /** Whether auth is on: the stored switch alone in the CLI; the daemon's knows its bind and config. */
  authState: AuthState;
}

export function createTokenService(
  store: { tokens: TokensRepository; authState: AuthStateRepository },
  clock: Clock,
  options: TokenServiceOptions,
): TokenService {
  const { audit } = options;
  const { tokens } = store;
  const { authState } = options;
  return {
    async create(name, role, actor = LOCAL_ACTOR, expiresAt) {
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
      const now = clock.now();
      if (expiresAt !== undefined && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
        throw new AppError("VALIDATION_FAILED", "expires_at: must be a time in the future", {
          issues: [{ field: "expires_at", message: "must be a time in the future" }],
        });
      }
      const id = newId();
      const token = TOKEN_PREFIX + randomToken(32);
      const expires_at = expiresAt ?? null;
      await tokens.add({
        id,
        name: trimmed,
        role,
        token_hash: hashToken(token),
        created_at: now,
        last_used_at: null,
        revoked_at: null,
        expires_at,
      });
      await audit?.record({ actor, action: "token.create", target: id, ok: true, details: { name: trimmed, role, expires_at } });
      await authState.turnOn(actor, "token created");
      return { id, token, expires_at };
    },

    async verify(token) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return { ok: false, reason: "invalid" };
      // Looking up by hash is not a timing oracle: the hash of a guess is unrelated to any stored hash.
      const record = await tokens.findUnrevokedByHash(hashToken(token));
      if (!record) return { ok: false, reason: "invalid" };
      const now = clock.now();
      if (record.expires_at !== null && record.expires_at <= now) return { ok: false, reason: "expired", expires_at: record.expires_at };
      if (record.last_used_at === null || now - record.last_used_at >= TOUCH_INTERVAL_MS) {
        await tokens.touch(record.id, now);
        record.last_used_at = now;
      }
      return { ok: true, token: record };
    },

    async list() {
      const now = clock.now();
      return (await tokens.list()).map(({ token_hash: _hash, ...info }) => ({
        ...info,
        expired: info.expires_at !== null && info.expires_at <= now,
      }));
    },

    async revoke(id, actor = LOCAL_ACTOR) {
      const outcome = (await authState.enabled())
        ? await tokens.revokeUnlessLastAdmin(id, clock.now())
        : (await tokens.revoke(id, clock.now()))
          ? "revoked"
          : "not_found";
      if (outcome === "last_admin") {
        await audit?.record({ actor, action: "token.revoke", target: id, ok: false, error_code: "LAST_ADMIN_TOKEN" });
        throw new AppError("LAST_ADMIN_TOKEN", undefined, { token_id: id });
      }
      if (outcome === "revoked") await audit?.record({ actor, action: "token.revoke", target: id, ok: true });
      return outcome === "revoked";
    },

    authEnabled: () => authState.enabled(),

    state: (id) => tokens.state(id, clock.now()),
  };
}
