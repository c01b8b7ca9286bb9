/**
 * For the commands that write the store directly (`token`, `auth`, `secrets`): opens the data directory's
 * store for one operation and builds the auth switch, the token service and the audit log over
 * it, with the CLI's user recorded as `local` — whoever can open the data directory owns the
 * daemon anyway. The store is closed afterwards, so the CLI never leaves the database open. A
 * command that turned the auth switch returns once a running daemon applies it (it looks for
 * another process's change every `AUTH_SWITCH_RECHECK_MS`).
 */
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuthState } from "../api/auth/auth-state.js";
import type { AuditActor } from "../audit/index.js";
import type { TokenService } from "../api/auth/token-service.js";
import type { Store } from "../store/index.js";

export interface LocalServices {
  tokens: TokenService;
  authState: AuthState;
  /** Who the audit log records: the CLI's user, `local`. */
  actor: AuditActor;
}

/**
 * Opens the data directory's store for one operation and closes it afterwards. `environment` is
 * where the secret key is looked up (the command's own, in tests); the process's by default.
 */
export async function withStore<T>(dataDir: string, use: (store: Store) => Promise<T>, environment?: NodeJS.ProcessEnv): Promise<T> {
  // Loaded on demand: better-sqlite3 is a native module the client commands do not need.
  const [{ openStore }, { systemClock }] = await Promise.all([import("../store/index.js"), import("../core/clock.js")]);
  const store = openStore(resolve(dataDir), systemClock, { environment });
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

export async function withLocalStore<T>(dataDir: string, use: (services: LocalServices) => Promise<T>): Promise<T> {
  const [{ createTokenService }, { createAuthState }, { createAuditService, DEFAULT_AUDIT_RETENTION_DAYS, LOCAL_ACTOR }, { systemClock }, { createLogger }, { AUTH_SWITCH_RECHECK_MS }] =
    await Promise.all([
      import("../api/auth/token-service.js"),
      import("../api/auth/auth-state.js"),
      import("../audit/index.js"),
      import("../core/clock.js"),
      import("../core/logger.js"),
      import("../store/index.js"),
    ]);
  return withStore(dataDir, async (store) => {
    // The CLI only appends (pruning is the daemon's timer); a failed audit write goes to stderr.
    const audit = createAuditService({
      repository: store.audit,
      clock: systemClock,
      logger: createLogger({ level: "error" }),
      retentionDays: () => DEFAULT_AUDIT_RETENTION_DAYS,
    });
    const authState = createAuthState({ repository: store.authState, clock: systemClock, audit });
    const switchedOn = async () => (await store.authState.get()).enabled;
    const before = await switchedOn();
    const outcome = await use({ tokens: createTokenService(store, systemClock, { audit, authState }), authState, actor: LOCAL_ACTOR });
    if ((await switchedOn()) !== before) await sleep(AUTH_SWITCH_RECHECK_MS);
    return outcome;
  });
}
