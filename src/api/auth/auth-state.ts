/**
 * Whether the API asks for tokens. The switch is persisted in the store and asked on every
 * request: it turns on with the first token, by the config (`security.require_token_on_loopback`)
 * or by a bind beyond loopback, and off only by an explicit `pygent auth off`, which is refused
 * while the daemon that owns the data directory listens beyond loopback or its config requires
 * tokens. A bind beyond loopback or that config also force auth on in the running app whatever
 * the stored switch says, so a hand-edited database cannot open it.
 */
import { isIP } from "node:net";
import type { AuditActor, AuditService } from "../../audit/index.js";
import type { SecurityConfig } from "../../config/schema.js";
import type { Clock } from "../../core/clock.js";
import { AppError } from "../../core/errors.js";
import { processAlive } from "../../core/process-alive.js";
import type { AuthStateRepository, DaemonBindRecord } from "../../store/index.js";

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

export type AuthReason = "switch" | "non_loopback_bind" | "config";

/**
 * The one rule for what forces auth on whatever the stored switch says: a bind beyond loopback,
 * or `security.require_token_on_loopback`. `host` is the daemon's bind, undefined outside it.
 * Empty when neither applies.
 */
export function authRequiredBy(host: string | undefined, security: SecurityConfig | undefined): Array<Exclude<AuthReason, "switch">> {
  return [
    ...(host !== undefined && !isLoopback(host) ? (["non_loopback_bind"] as const) : []),
    ...(security?.require_token_on_loopback === true ? (["config"] as const) : []),
  ];
}

export interface AuthStatus {
  enabled: boolean;
  /** Why it is on; empty when off. */
  reasons: AuthReason[];
  /** The persisted switch. */
  switch: { enabled: boolean; changed_at: number | null; changed_by: string };
  /** The daemon that owns the data directory, while it runs. */
  daemon: (DaemonBindRecord & { loopback: boolean }) | null;
}

export interface AuthState {
  /** Asked on every request; rejects when the store cannot answer. */
  enabled(): Promise<boolean>;
  status(): Promise<AuthStatus>;
  /** Turns the switch on; true when it was off. */
  turnOn(actor: AuditActor, why?: string): Promise<boolean>;
  /** Turns the switch off; throws AUTH_REQUIRED when the running daemon forces auth on. */
  turnOff(actor: AuditActor): Promise<boolean>;
}

export interface AuthStateOptions {
  repository: AuthStateRepository;
  clock: Clock;
  audit?: AuditService | undefined;
  /** The app's own bind host, when this is the daemon's app; beyond loopback forces auth on. */
  bindHost?: string | undefined;
  /** The config's `security` section, read on every request so a config reload applies. */
  security?: (() => SecurityConfig | undefined) | undefined;
  /** Whether a recorded daemon pid still runs; replaced in tests. */
  isAlive?: ((pid: number) => boolean) | undefined;
}

export function createAuthState(options: AuthStateOptions): AuthState {
  const { repository, clock, audit } = options;
  const isAlive = options.isAlive ?? processAlive;
  const forcedReasons = (): AuthReason[] => authRequiredBy(options.bindHost, options.security?.());

  async function status(): Promise<AuthStatus> {
    const record = await repository.get();
    const recorded = record.daemon && isAlive(record.daemon.pid) ? record.daemon : null;
    const daemon = recorded ? { ...recorded, loopback: isLoopback(recorded.host) } : null;
    const reasons = new Set<AuthReason>(forcedReasons());
    if (daemon && !daemon.loopback) reasons.add("non_loopback_bind");
    if (daemon?.requires_auth && daemon.loopback) reasons.add("config");
    if (record.enabled) reasons.add("switch");
    return {
      enabled: reasons.size > 0,
      reasons: [...reasons],
      switch: { enabled: record.enabled, changed_at: record.changed_at, changed_by: record.changed_by },
      daemon,
    };
  }

  return {
    async enabled() {
      if (forcedReasons().length > 0) return true;
      const record = await repository.get();
      // In the CLI, a running daemon that forces auth on counts even if the switch was edited off.
      return record.enabled || (record.daemon !== null && record.daemon.requires_auth && isAlive(record.daemon.pid));
    },

    status,

    async turnOn(actor, why) {
      const changed = await repository.setEnabled(true, clock.now(), actor.name);
      if (changed) await audit?.record({ actor, action: "auth.on", ok: true, details: why === undefined ? undefined : { reason: why } });
      return changed;
    },

    async turnOff(actor) {
      const current = await status();
      const forced = current.reasons.filter((reason) => reason !== "switch");
      if (forced.length > 0) {
        const where = current.daemon ? `${current.daemon.host}:${current.daemon.port} (pid ${current.daemon.pid})` : "its bind";
        const message = forced.includes("non_loopback_bind")
          ? `Auth stays on while the daemon listens on ${where}, beyond loopback; restart it on 127.0.0.1 first.`
          : "Auth stays on while the daemon's config sets security.require_token_on_loopback; remove that setting first.";
        await audit?.record({ actor, action: "auth.off", ok: false, error_code: "AUTH_REQUIRED", details: { reasons: forced } });
        throw new AppError("AUTH_REQUIRED", message, { reasons: forced });
      }
      const changed = await repository.setEnabled(false, clock.now(), actor.name);
      if (changed) await audit?.record({ actor, action: "auth.off", ok: true });
      return changed;
    },
  };
}
