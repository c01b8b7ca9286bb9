/**
 * The audit log's one writer and reader. Recording never throws: a failed write is logged (the
 * action already happened and its caller must get its answer), never silently dropped. Entries
 * older than the retention are pruned on a timer, in bounded chunks that yield between them, so a
 * large backlog never blocks the event loop.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AuditRecord, AuditRepository, NewAuditRecord } from "../store/index.js";
import type { AuditQuery } from "./audit-query.js";
import { redactForAudit } from "./redact.js";

/** Who acted: a token, or `local` (auth off, or the CLI on the daemon's machine), or `anonymous`. */
export interface AuditActor {
  id: string | null;
  name: string;
}

export const LOCAL_ACTOR: AuditActor = { id: null, name: "local" };
export const ANONYMOUS_ACTOR: AuditActor = { id: null, name: "anonymous" };

export interface AuditEvent {
  actor: AuditActor;
  /** Where from: the client's address, or null outside HTTP. */
  ip?: string | null;
  /** `METHOD /route/template` for API calls; `token.create`, `auth.off`, `config.reload` otherwise. */
  action: string;
  target?: string | null;
  ok: boolean;
  status?: number | null;
  error_code?: string | null;
  /** Redacted before it is stored. */
  details?: unknown;
  /** Paths in `details` (`body.arguments`) whose keys are kept and every value dropped. */
  values_hidden?: readonly string[];
}

/** An entry as the API and the CLI show it. */
export interface AuditEntry extends Omit<AuditRecord, "details"> {
  details: unknown;
}

export interface AuditService {
  record(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(query: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes entries older than the retention; resolves with how many. */
  prune(): Promise<number>;
  /** Prunes every pruneIntervalMs until stop(). */
  start(): void;
  /** Stops pruning; entries waiting for their batch are written at once. */
  stop(): void;
}

export interface AuditServiceOptions {
  repository: AuditRepository;
  clock: Clock;
  logger: Logger;
  /** Read at each prune, so a config reload applies. */
  retentionDays: () => number;
  pruneIntervalMs?: number;
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;
const BATCH_WINDOW_MS = 20;

export function createAuditService(options: AuditServiceOptions): AuditService {
  const { repository, clock } = options;
  const logger = options.logger.child({ module: "audit" });
  const interval = options.pruneIntervalMs ?? PRUNE_INTERVAL_MS;
  let timer: TimerHandle | undefined;
  let stopped = true;

  function prune(): Promise<number> {
    return repository.pruneBefore(clock.now() - options.retentionDays() * DAY_MS);
  }

  function arm(): void {
    timer = clock.setTimeout(() => {
      prune()
        .catch((error: unknown) => logger.error({ err: errorMessage(error) }, "audit log pruning failed"))
        .finally(() => {
          if (!stopped) arm();
        });
    }, interval);
  }

  /**
   * Entries are written in batches, one transaction per BATCH_WINDOW_MS: a commit per entry was
   * the costliest part of an API call. `record` still resolves only once its entry is stored. The
   * window is a real timer, not the clock: it decides when rows are written, never what they say,
   * and a test's manual clock must not hold a caller waiting for its entry.
   */
  let pending: NewAuditRecord[] = [];
  let written: Promise<void> | undefined;
  let writeNow: (() => void) | undefined;
  let windowTimer: ReturnType<typeof setTimeout> | undefined;

  function enqueue(record: NewAuditRecord): Promise<void> {
    pending.push(record);
    written ??= new Promise<void>((resolve) => {
      writeNow = resolve;
      windowTimer = setTimeout(resolve, BATCH_WINDOW_MS);
    }).then(() => {
      const records = pending;
      pending = [];
      written = undefined;
      clearTimeout(windowTimer);
      return repository.append(records);
    });
    return written;
  }

  return {
    async record(event) {
      try {
        await enqueue({
          at: clock.now(),
          actor_id: event.actor.id,
          actor_name: event.actor.name,
          ip: event.ip ?? null,
          action: event.action,
          target: event.target ?? null,
          ok: event.ok,
          status: event.status ?? null,
          error_code: event.error_code ?? null,
          details: event.details === undefined ? null : JSON.stringify(redactForAudit(event.details, event.values_hidden)),
        });
      } catch (error) {
        logger.error({ err: errorMessage(error), action: event.action, target: event.target }, "audit entry could not be written");
      }
    },

    async query(query) {
      await written;
      const records = await repository.query(query);
      return records.map((record) => ({ ...record, details: record.details === null ? null : (JSON.parse(record.details) as unknown) }));
    },

    prune,

    start() {
      if (!stopped) return;
      stopped = false;
      arm();
    },

    stop() {
      writeNow?.();
      stopped = true;
      clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
