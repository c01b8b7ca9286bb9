/**
 * The periodic job that keeps history bounded: rolls raw samples up into minutes and hours, then
 * deletes what is older than the retention — samples, rollups, capability changes and the
 * servers' lifecycle events. Runs on the injected clock, one run at
 * a time; a run only looks at what arrived since the last one, so its cost does not grow with
 * the size of the history.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { HealthRepository, PruneResult } from "../store/health-repository.js";
import type { ServerEventsRepository } from "../store/server-events-repository.js";

export interface Retention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
  serverEventsMs: number;
  capabilityChangesMs: number;
}

/** Rows deleted by one prune, per table. */
export interface PrunedRows extends PruneResult {
  server_events: number;
  capability_changes: number;
}

export interface MaintenanceResult {
  minute_rows: number;
  hour_rows: number;
  /** Null when this run did not prune. */
  pruned: PrunedRows | null;
}

export interface HistoryMaintenanceOptions {
  repository: HealthRepository;
  /** The servers' lifecycle events; pruned with the rest when given. */
  serverEvents?: Pick<ServerEventsRepository, "pruneBefore">;
  clock: Clock;
  logger: Logger;
  retention: () => Retention;
  /** Called first, so samples still in a write buffer are rolled up too. */
  beforeRun?: () => Promise<void>;
  intervalMs?: number;
  pruneEveryMs?: number;
}

/** Samples are stamped when a check ends; this margin lets the last ones of a minute land. */
const SETTLE_MS = 2000;

export class HistoryMaintenance {
  private timer: TimerHandle | undefined;
  private running: Promise<MaintenanceResult> | undefined;
  private lastPruneAt = -Infinity;
  private stopped = true;
  private readonly intervalMs: number;
  private readonly pruneEveryMs: number;

  constructor(private readonly options: HistoryMaintenanceOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.pruneEveryMs = options.pruneEveryMs ?? 10 * 60_000;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One run now (or the one already under way). */
  runOnce(): Promise<MaintenanceResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.runOnce()
        .catch((error: unknown) => this.options.logger.error({ err: error }, "health history maintenance failed"))
        .finally(() => this.arm());
    }, this.intervalMs);
  }

  private async run(): Promise<MaintenanceResult> {
    const { repository, clock } = this.options;
    await this.options.beforeRun?.();
    const until = clock.now() - SETTLE_MS;
    const minute = await repository.rollUp("minute", until);
    const hour = await repository.rollUp("hour", until);
    let pruned: PrunedRows | null = null;
    const now = clock.now();
    if (now - this.lastPruneAt >= this.pruneEveryMs) {
      const retention = this.options.retention();
      const history = await repository.prune({
        samplesBefore: now - retention.rawMs,
        minuteBefore: now - retention.minuteMs,
        hourBefore: now - retention.hourMs,
      });
      pruned = {
        ...history,
        server_events: (await this.options.serverEvents?.pruneBefore(now - retention.serverEventsMs)) ?? 0,
        capability_changes: await repository.pruneCapabilityChanges(now - retention.capabilityChangesMs),
      };
      this.lastPruneAt = now;
      if (Object.values(pruned).some((rows) => rows > 0)) this.options.logger.debug({ pruned }, "pruned health history");
    }
    return { minute_rows: minute.rows, hour_rows: hour.rows, pruned };
  }
}
