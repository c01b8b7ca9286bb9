/**
 * Brute-force protection for tokens: counts failed authentications per client address and locks
 * an address out once it fails `limit` times within `windowMs`. The table is bounded: entries
 * expire with their window or lockout, and at the cap the least recently touched address is
 * forgotten first. Time comes from the injected Clock.
 */
import type { SecurityConfig } from "../../config/schema.js";
import type { Clock } from "../../core/clock.js";

export interface AuthFailureLimits {
  /** Failures allowed within the window; the one that reaches it starts the lockout. */
  limit: number;
  windowMs: number;
  lockoutMs: number;
}

/** The limits a `security` config section sets (in seconds there). */
export function authFailureLimitsOf(security: SecurityConfig): AuthFailureLimits {
  return {
    limit: security.auth_failure_limit,
    windowMs: security.auth_failure_window * 1000,
    lockoutMs: security.auth_lockout * 1000,
  };
}

/** Addresses tracked at once. */
export const MAX_TRACKED_ADDRESSES = 10_000;

export interface AuthFailureLimiter {
  /** How long the address's lockout has left (ms), or undefined while it is not locked out. */
  lockout(address: string): number | undefined;
  /** Counts a failure; returns the lockout's length (ms) when this failure started one. */
  recordFailure(address: string): number | undefined;
  /** Addresses tracked now. */
  size(): number;
}

interface Entry {
  windowStart: number;
  failures: number;
  lockedUntil: number | undefined;
}

export interface AuthFailureLimiterOptions {
  clock: Clock;
  /** Read at each failure, so a config reload applies. */
  limits: () => AuthFailureLimits;
  maxAddresses?: number;
}

export function createAuthFailureLimiter(options: AuthFailureLimiterOptions): AuthFailureLimiter {
  const { clock } = options;
  const maxAddresses = options.maxAddresses ?? MAX_TRACKED_ADDRESSES;
  const entries = new Map<string, Entry>();

  const expired = (entry: Entry, now: number): boolean =>
    entry.lockedUntil !== undefined ? entry.lockedUntil <= now : now - entry.windowStart >= options.limits().windowMs;

  const current = (address: string, now: number): Entry | undefined => {
    const entry = entries.get(address);
    if (entry && expired(entry, now)) {
      entries.delete(address);
      return undefined;
    }
    return entry;
  };

  const makeRoom = (now: number): void => {
    if (entries.size < maxAddresses) return;
    for (const [address, entry] of entries) if (expired(entry, now)) entries.delete(address);
    // Map order is least recently touched first (an entry is re-inserted when touched).
    for (const address of entries.keys()) {
      if (entries.size < maxAddresses) break;
      entries.delete(address);
    }
  };

  return {
    lockout(address) {
      const now = clock.now();
      const until = current(address, now)?.lockedUntil;
      return until === undefined ? undefined : until - now;
    },

    recordFailure(address) {
      const now = clock.now();
      const limits = options.limits();
      const entry = current(address, now) ?? { windowStart: now, failures: 0, lockedUntil: undefined };
      entries.delete(address);
      makeRoom(now);
      entries.set(address, entry);
      if (entry.lockedUntil !== undefined) return undefined;
      entry.failures++;
      if (entry.failures < limits.limit) return undefined;
      entry.lockedUntil = now + limits.lockoutMs;
      return limits.lockoutMs;
    },

    size: () => entries.size,
  };
}
