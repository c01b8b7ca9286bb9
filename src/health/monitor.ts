/**
 * The Health Monitor: checks every server on its `health_check_interval` and turns what it sees
 * into a status. Each check is a pipeline of small steps — probes -> outcome -> classify ->
 * store -> bus — and the same pipeline serves "check now". Liveness comes from the supervisor's
 * `server_status` events, so a crash is reported when it happens, not at the next probe.
 *
 * The monitor owns its timers (the check schedule, history maintenance) and its write buffer; it
 * reads servers from the McpManager and never starts or stops them itself: a server whose checks
 * fail `restart_after_failed_checks` times in a row is reported to the manager as unresponsive,
 * and its supervisor restarts it like a server that exited (a liveness probe).
 */
import type { MessageBus, Unsubscribe } from "../bus/bus.js";
import type {
  CapabilitiesChangedEvent,
  CapabilityChange,
  CapabilityRef,
  HealthMetrics,
  HealthStatus,
  HealthUpdateEvent,
  ServerState,
  ServerStatusEvent,
} from "../bus/events.js";
import { HealthConfigSchema, type HealthConfig, type ThresholdsInput } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage, isAppError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { McpManager, ServerView } from "../mcp/manager-types.js";
import { HOUR_MS, type HealthRepository, type HealthSampleRecord, type OutcomeCounts } from "../store/health-repository.js";
import type { ServerEventsRepository } from "../store/server-events-repository.js";
import { CapabilityDriftDetector, type CapabilitySummary } from "./capability-drift.js";
import { CheckScheduler } from "./check-scheduler.js";
import { classify, type Classification, type ProbeOutcome } from "./classify.js";
import { ConcurrencyLimiter } from "../core/concurrency-limiter.js";
import { ErrorWindow } from "./error-window.js";
import { HistoryMaintenance, type MaintenanceResult, type Retention } from "./history-maintenance.js";
import { latencyTrend, readHistory, type HealthHistory, type HistoryQuery, type LatencyTrend } from "./history.js";
import { createMcpProbe } from "./mcp-probe.js";
import { isUnreachable, type HealthProbe, type ProbeReading } from "./probe.js";
import { createProcessProbe } from "./process-probe.js";
import { SampleWriter } from "./sample-writer.js";
import { DEFAULT_THRESHOLDS, resolveThresholds, type Thresholds } from "./thresholds.js";

const DAY_MS = 24 * HOUR_MS;

/** A server's health as the API shows it. */
export interface ServerHealth {
  server_id: string;
  status: HealthStatus;
  reasons: string[];
  metrics: HealthMetrics;
  /** The supervisor's state of the server. */
  server_state: ServerState;
  /** When the last probe finished; null before the first. */
  checked_at: number | null;
  next_check_at: number | null;
  check_interval_s: number;
  /** How the response time is measured: MCP ping, or tools/list for servers without ping. */
  response_method: "ping" | "list" | null;
  thresholds: Thresholds;
  capabilities: CapabilitySummary | null;
}

/** A change in what a server serves, as recorded: the capabilities_changed event without its routing fields. */
export type CapabilityChangeEntry = Pick<CapabilitiesChangedEvent, "at" | "previous_fingerprint" | "fingerprint" | "added" | "removed" | "changed">;

export interface HealthMonitor {
  start(): Promise<void>;
  /** Stops scheduling and writes what is buffered; checks still in flight are dropped. */
  stop(): Promise<void>;
  /** Throws SERVER_NOT_FOUND (or INVALID_ID) like the manager. */
  current(serverId: string): ServerHealth;
  list(): ServerHealth[];
  /** Checks the server now with the same probes as the schedule; joins a check already under way. */
  checkNow(serverId: string): Promise<ServerHealth>;
  history(serverId: string, query: HistoryQuery): Promise<HealthHistory>;
  trend(serverId: string, windowMs: number): Promise<LatencyTrend>;
  /** What the server added, removed and changed in what it serves, newest first. */
  capabilityChanges(serverId: string, limit: number): Promise<CapabilityChangeEntry[]>;
  /** Applies a reloaded `health` section: thresholds, concurrency, jitter, retention, timeouts. */
  updateConfig(config: HealthConfig): void;
  /** Rolls up and prunes history now (it also runs on its own every minute). */
  maintain(): Promise<MaintenanceResult>;
}

export interface HealthMonitorDeps {
  manager: McpManager;
  bus: MessageBus;
  repository: HealthRepository;
  /** The servers' lifecycle events, pruned with the health history; not pruned when absent. */
  serverEvents?: Pick<ServerEventsRepository, "pruneBefore">;
  clock: Clock;
  logger: Logger;
  /** The config file's `health` section; defaults when absent. */
  config?: HealthConfig | undefined;
  /** A number in [0, 1) for jitter; injected so tests are deterministic. */
  random?: () => number;
  /** Replaces the built-in probes (MCP ping + capabilities, process CPU/RSS). */
  probes?: HealthProbe[];
  /** How often rollups and pruning run. */
  maintenanceIntervalMs?: number;
}

interface Track {
  id: string;
  status: HealthStatus | null;
  reasons: string[];
  metrics: HealthMetrics;
  checkedAt: number | null;
  consecutiveFailures: number;
  /** When the first failed check of the current streak began: the server served until then at most. */
  failingSince: number | null;
  errors: ErrorWindow;
  responseMethod: "ping" | "list" | null;
  inflight: Promise<ServerHealth> | undefined;
  uptime: UptimeCounts | undefined;
}

/**
 * A server's outcomes for the uptime figures: counted from the store now and then, plus those
 * recorded since, so that a check costs no query.
 */
interface UptimeCounts {
  countedAt: number;
  /** Per window of UPTIME_WINDOWS: samples stored or buffered at `countedAt`. */
  windows: Promise<OutcomeCounts[]>;
  /** Samples recorded since `countedAt`. */
  since: OutcomeCounts;
}

/** The metrics of a server not measured yet: every figure unknown. */
export const EMPTY_METRICS: HealthMetrics = {
  response_time_ms: null,
  cpu_percent: null,
  memory_mb: null,
  error_rate: null,
  consecutive_failures: 0,
  uptime_1h: null,
  uptime_24h: null,
  uptime_7d: null,
};

/** States that mean the server should be up and is not: they count against uptime. */
const DOWN_STATES = new Set<ServerState>(["backoff", "crash_loop", "failed"]);

/** The soonest check after a server (re)starts is spread over up to this long. */
const AFTER_START_SPREAD_MS = 2000;

const round1 = (value: number) => Math.round(value * 10) / 10;

const UPTIME_WINDOWS = [HOUR_MS, DAY_MS, 7 * DAY_MS] as const;
/**
 * How often a server's uptime is counted afresh from the store; in between, samples that have
 * left a window still count in it, which moves a 1-hour figure by at most this much history.
 */
const UPTIME_RECOUNT_MS = 60_000;

export function retentionOf(config: HealthConfig): Retention {
  return {
    rawMs: config.retention.raw_hours * HOUR_MS,
    minuteMs: config.retention.minute_days * DAY_MS,
    hourMs: config.retention.hour_days * DAY_MS,
    serverEventsMs: config.retention.server_events_days * DAY_MS,
    capabilityChangesMs: config.retention.capability_changes_days * DAY_MS,
  };
}

export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  return new Monitor(deps);
}

class Monitor implements HealthMonitor {
  private config: HealthConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly probes: HealthProbe[];
  private readonly tracks = new Map<string, Track>();
  /**
   * Each server's thresholds as last resolved, with the layers they came from: a check needs them
   * two or three times, and a config reload brings new layer objects, so identity tells a change.
   */
  private readonly resolved = new Map<string, { layers: [ThresholdsInput | undefined, ThresholdsInput | undefined]; thresholds: Thresholds }>();
  private readonly scheduler: CheckScheduler;
  private readonly limiter: ConcurrencyLimiter;
  private readonly writer: SampleWriter;
  private readonly drift: CapabilityDriftDetector;
  private readonly maintenance: HistoryMaintenance;
  private readonly soonTimers = new Set<TimerHandle>();
  private unsubscribes: Unsubscribe[] = [];
  private started = false;
  private stopped = false;
  private syncQueued = false;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.config = deps.config ?? HealthConfigSchema.parse({});
    this.logger = deps.logger.child({ module: "health" });
    this.clock = deps.clock;
    this.random = deps.random ?? Math.random;
    this.probes = deps.probes ?? [
      createMcpProbe(deps.manager, deps.clock, () => this.config.list_capabilities_every),
      createProcessProbe(deps.manager),
    ];
    this.scheduler = new CheckScheduler({
      clock: deps.clock,
      random: this.random,
      jitter: this.config.jitter,
      onDue: (id) => this.onDue(id),
    });
    this.limiter = new ConcurrencyLimiter(this.config.max_concurrency);
    this.writer = new SampleWriter(deps.repository, deps.clock, this.logger);
    this.drift = new CapabilityDriftDetector(deps.repository, deps.bus, this.logger);
    this.maintenance = new HistoryMaintenance({
      repository: deps.repository,
      ...(deps.serverEvents ? { serverEvents: deps.serverEvents } : {}),
      clock: deps.clock,
      logger: this.logger,
      retention: () => retentionOf(this.config),
      beforeRun: () => this.writer.flush(),
      ...(deps.maintenanceIntervalMs !== undefined ? { intervalMs: deps.maintenanceIntervalMs } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { bus } = this.deps;
    this.unsubscribes = [
      bus.subscribe("server_status", (event) => this.onStatus(event)),
      bus.subscribe("server_registered", () => this.syncSoon()),
      bus.subscribe("server_removed", (event) => {
        // A later server given the same id is another server: it must not be compared with this one.
        this.drift.drop(event.server_id).catch((error: unknown) => {
          this.logger.error({ err: error, server_id: event.server_id }, "dropping the capability snapshot failed");
        });
        this.syncSoon();
      }),
      // An edit that needs no restart (health_check_interval among them) publishes no status change.
      bus.subscribe("server_updated", () => this.syncSoon()),
      bus.subscribe("config_reloaded", () => this.syncSoon()),
      // A call its caller gave up on says nothing about the server's health.
      bus.subscribe("tool_called", (event) => {
        if (event.outcome !== "cancelled") this.tracks.get(event.server_id)?.errors.record(event.ok, event.at);
      }),
      bus.subscribe("server_capabilities", (event) => {
        // Every (re)start lists capabilities: compare at once, so drift across restarts shows up
        // without waiting for the first probe.
        if (this.stopped) return;
        this.drift.observe(event.server_id, event.snapshot, this.clock.now()).catch((error: unknown) => {
          this.logger.error({ err: error, server_id: event.server_id }, "capability comparison failed");
        });
      }),
    ];
    this.sync();
    // Servers removed while the daemon was down (taken out of the config file) leave snapshots
    // no event will ever drop.
    await this.drift.dropAllExcept(this.deps.manager.list().map((view) => view.id));
    this.maintenance.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
    this.scheduler.stop();
    for (const timer of this.soonTimers) this.clock.clearTimeout(timer);
    this.soonTimers.clear();
    await this.maintenance.stop();
    await this.writer.close();
  }

  current(serverId: string): ServerHealth {
    const view = this.deps.manager.get(serverId);
    return this.healthOf(this.trackOf(view), view);
  }

  list(): ServerHealth[] {
    return this.deps.manager.list().map((view) => this.healthOf(this.trackOf(view), view));
  }

  async checkNow(serverId: string): Promise<ServerHealth> {
    const track = this.trackOf(this.deps.manager.get(serverId));
    return track.inflight ?? this.enqueue(track, true);
  }

  async history(serverId: string, query: HistoryQuery): Promise<HealthHistory> {
    this.deps.manager.get(serverId);
    await this.writer.flush();
    return readHistory(this.deps.repository, serverId, query, this.clock.now(), retentionOf(this.config));
  }

  async trend(serverId: string, windowMs: number): Promise<LatencyTrend> {
    const now = this.clock.now();
    const history = await this.history(serverId, { from: now - windowMs, to: now + 1, resolution: "auto" });
    return latencyTrend(history, windowMs);
  }

  async capabilityChanges(serverId: string, limit: number): Promise<CapabilityChangeEntry[]> {
    this.deps.manager.get(serverId);
    const records = await this.deps.repository.capabilityChanges(serverId, limit);
    // The drift detector stores the lists of the capabilities_changed event it publishes.
    return records.map((record) => ({
      at: record.at,
      previous_fingerprint: record.previous_fingerprint,
      fingerprint: record.fingerprint,
      added: record.added as CapabilityRef[],
      removed: record.removed as CapabilityRef[],
      changed: record.changed as CapabilityChange[],
    }));
  }

  updateConfig(config: HealthConfig): void {
    const windowChanged = config.error_window !== this.config.error_window;
    this.config = config;
    this.limiter.setMax(config.max_concurrency);
    this.scheduler.setJitter(config.jitter);
    if (windowChanged) for (const track of this.tracks.values()) track.errors = new ErrorWindow(config.error_window * 1000);
  }

  maintain(): Promise<MaintenanceResult> {
    return this.maintenance.runOnce();
  }

  // --- the server list -------------------------------------------------------------------

  /**
   * One sync for a burst of registry events: a reload that adds a thousand servers publishes a
   * thousand, and a sync per event would walk the whole list each time.
   */
  private syncSoon(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  /** Follows the manager's list: new servers are scheduled, removed ones forgotten. */
  private sync(): void {
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const view of this.deps.manager.list()) {
      seen.add(view.id);
      this.trackOf(view);
      this.schedule(view);
    }
    for (const id of [...this.tracks.keys()]) if (!seen.has(id)) this.forget(id);
  }

  /**
   * Checks run for servers meant to run, and for one started by hand though disabled; a disabled
   * server at rest has its status from its state alone and costs no timer and no queries.
   */
  private schedule(view: ServerView): void {
    if (!view.enabled && view.state === "stopped") {
      this.scheduler.remove(view.id);
      return;
    }
    const intervalMs = view.config.health_check_interval * 1000;
    if (this.scheduler.intervalOf(view.id) !== intervalMs) this.scheduler.add(view.id, intervalMs);
  }

  private trackOf(view: ServerView): Track {
    let track = this.tracks.get(view.id);
    if (!track) {
      track = {
        id: view.id,
        status: null,
        reasons: [],
        metrics: EMPTY_METRICS,
        checkedAt: null,
        consecutiveFailures: 0,
        failingSince: null,
        errors: new ErrorWindow(this.config.error_window * 1000),
        responseMethod: null,
        inflight: undefined,
        uptime: undefined,
      };
      this.tracks.set(view.id, track);
    }
    return track;
  }

  private forget(serverId: string): void {
    this.scheduler.remove(serverId);
    this.tracks.delete(serverId);
    this.resolved.delete(serverId);
    this.drift.forget(serverId);
    for (const probe of this.probes) probe.forget(serverId);
  }

  // --- scheduling ------------------------------------------------------------------------

  private onDue(serverId: string): void {
    const track = this.tracks.get(serverId);
    // A check still under way (a slow server) is not doubled up; the next tick tries again.
    if (!track || track.inflight) return;
    this.enqueue(track, false).catch(() => undefined);
  }

  private enqueue(track: Track, urgent: boolean): Promise<ServerHealth> {
    const run = this.limiter
      .run(() => this.check(track), { urgent })
      .catch((error: unknown) => {
        // During shutdown the store and the servers go away under checks still in flight, and a
        // server removed while it was checked is gone, not failing.
        const removed = isAppError(error) && error.code === "SERVER_NOT_FOUND";
        if (!this.stopped && !removed) this.logger.error({ err: error, server_id: track.id }, "health check failed");
        throw error;
      })
      .finally(() => {
        if (track.inflight === run) track.inflight = undefined;
      });
    track.inflight = run;
    return run;
  }

  private thresholdsFor(view: ServerView): Thresholds {
    const global = this.config.thresholds;
    const own = view.config.thresholds;
    const last = this.resolved.get(view.id);
    if (last && last.layers[0] === global && last.layers[1] === own) return last.thresholds;
    const thresholds = resolveThresholds(DEFAULT_THRESHOLDS, global, own);
    this.resolved.set(view.id, { layers: [global, own], thresholds });
    return thresholds;
  }

  // --- liveness --------------------------------------------------------------------------

  private onStatus(event: ServerStatusEvent): void {
    if (this.stopped) return;
    let view: ServerView;
    try {
      view = this.deps.manager.get(event.server_id);
    } catch {
      return;
    }
    const track = this.trackOf(view);
    // A server changed through the API restarts; its interval may have changed with it.
    this.schedule(view);
    if (event.state === "running") {
      // A new run starts its count of failed checks afresh.
      track.consecutiveFailures = 0;
      track.failingSince = null;
      this.checkSoon(track, view.config.health_check_interval * 1000);
      return;
    }
    const wasRunning = event.previous === "running";
    void this.settleFromState(track, { ...view, state: event.state, reason: event.reason }, {
      record: wasRunning,
      force: wasRunning,
    }).catch((error: unknown) => this.logger.error({ err: error, server_id: track.id }, "could not report liveness"));
  }

  /** A server that just came up is checked shortly, spread a little so a mass start is not one burst. */
  private checkSoon(track: Track, intervalMs: number): void {
    const delay = this.random() * Math.min(AFTER_START_SPREAD_MS, intervalMs);
    const timer = this.clock.setTimeout(() => {
      this.soonTimers.delete(timer);
      if (this.stopped || this.tracks.get(track.id) !== track || track.inflight) return;
      this.enqueue(track, false).catch(() => undefined);
    }, delay);
    this.soonTimers.add(timer);
  }

  // --- the check pipeline ----------------------------------------------------------------

  private async check(track: Track): Promise<ServerHealth> {
    const view = this.deps.manager.get(track.id);
    if (this.stopped) return this.healthOf(track, view);
    if (view.state !== "running") return this.settleFromState(track, view, { record: true, force: false });

    const timeoutMs = Math.min(this.config.probe_timeout, view.config.request_timeout) * 1000;
    const began = this.clock.now();
    const { outcome, reading } = await this.runProbes(view, timeoutMs);
    if (this.stopped) return this.healthOf(track, view);
    // The server went down while we probed: liveness has reported it; do not blame the probe.
    if (this.deps.manager.runState(track.id).state !== "running") {
      return this.settleFromState(track, this.deps.manager.get(track.id), { record: false, force: false });
    }

    const at = this.clock.now();
    if (outcome.ok) track.failingSince = null;
    else if (track.consecutiveFailures === 0) track.failingSince = began;
    track.consecutiveFailures = outcome.ok ? 0 : track.consecutiveFailures + 1;
    track.errors.record(outcome.ok, at);
    if (reading.response_method) track.responseMethod = reading.response_method;
    if (reading.capabilities) {
      await this.drift.observe(track.id, reading.capabilities, at).catch((error: unknown) => {
        this.logger.error({ err: error, server_id: track.id }, "capability comparison failed");
      });
    }
    if (this.stopped) return this.healthOf(track, view);
    const errorRate = track.errors.rate(at);
    const measured: HealthMetrics = {
      ...EMPTY_METRICS,
      response_time_ms: outcome.ok && reading.response_time_ms !== undefined ? round1(reading.response_time_ms) : null,
      cpu_percent: reading.cpu_percent ?? null,
      memory_mb: reading.memory_mb ?? null,
      error_rate: errorRate.rate === null ? null : round1(errorRate.rate),
      consecutive_failures: track.consecutiveFailures,
    };
    const verdict = classify({
      state: "running",
      stateReason: null,
      seen: track.checkedAt !== null,
      probe: outcome,
      metrics: measured,
      errorEvents: errorRate.events,
      thresholds: this.thresholdsFor(view),
    });
    this.record(track, {
      server_id: track.id,
      at,
      status: verdict.status,
      ok: outcome.ok,
      response_time_ms: measured.response_time_ms,
      cpu_percent: measured.cpu_percent,
      memory_mb: measured.memory_mb,
      error: outcome.error,
    });
    const metrics = { ...measured, ...(await this.uptime(track, at)) };
    if (this.stopped) return this.healthOf(track, view);
    track.checkedAt = at;
    this.report(track, verdict, metrics, at, true, "running");
    this.restartIfUnresponsive(track, view, outcome);
    return this.healthOf(track, view);
  }

  private restartIfUnresponsive(track: Track, view: ServerView, outcome: ProbeOutcome): void {
    const limit = view.config.restart_after_failed_checks;
    if (outcome.ok || limit === 0 || track.consecutiveFailures < limit) return;
    const reason = `${track.consecutiveFailures} consecutive health checks failed: ${outcome.error}`;
    // The run ended when the first failed check began, not when the streak was long enough.
    this.deps.manager.reportUnresponsive(track.id, reason, track.failingSince ?? undefined);
  }

  private async runProbes(view: ServerView, timeoutMs: number): Promise<{ outcome: ProbeOutcome; reading: ProbeReading }> {
    const probes = this.probes.filter((probe) => probe.appliesTo(view));
    const results = await Promise.allSettled(probes.map((probe) => probe.run(view, timeoutMs)));
    const reading: ProbeReading = {};
    let failure: unknown;
    results.forEach((result, index) => {
      const probe = probes[index];
      if (!probe) return;
      if (result.status === "fulfilled") Object.assign(reading, result.value);
      else if (probe.essential) failure ??= result.reason;
      else this.logger.debug({ err: result.reason, server_id: view.id, probe: probe.name }, "probe gave no figures");
    });
    const outcome: ProbeOutcome =
      failure === undefined
        ? { ok: true, error: null, unreachable: false }
        : { ok: false, error: errorMessage(failure), unreachable: isUnreachable(failure) };
    return { outcome, reading };
  }

  /** The status of a server that is not running, from its supervisor state; no probe runs. */
  private async settleFromState(
    track: Track,
    view: ServerView,
    options: { record: boolean; force: boolean },
  ): Promise<ServerHealth> {
    const at = this.clock.now();
    const verdict = this.verdictFromState(track, view);
    const down = view.enabled && DOWN_STATES.has(view.state);
    if (options.record && down && !this.stopped) {
      this.record(track, {
        server_id: track.id,
        at,
        status: verdict.status,
        ok: false,
        response_time_ms: null,
        cpu_percent: null,
        memory_mb: null,
        error: verdict.reasons[0] ?? null,
      });
    }
    const uptime = await this.uptime(track, at);
    if (this.stopped) return this.healthOf(track, view);
    const errorRate = track.errors.rate(at);
    const metrics: HealthMetrics = {
      ...EMPTY_METRICS,
      error_rate: errorRate.rate === null ? null : round1(errorRate.rate),
      consecutive_failures: track.consecutiveFailures,
      ...uptime,
    };
    this.report(track, verdict, metrics, at, options.force, view.state);
    return this.healthOf(track, view);
  }

  private verdictFromState(track: Track, view: ServerView): Classification {
    return classify({
      state: view.state,
      stateReason: view.enabled ? view.reason : "disabled",
      onDemand: view.enabled && view.config.start === "on_demand",
      // A retry after a failed start goes on with the outage already reported, not a first start.
      seen: track.checkedAt !== null || track.status === "offline",
      probe: null,
      metrics: track.metrics,
      errorEvents: 0,
      thresholds: this.thresholdsFor(view),
    });
  }

  /** Buffers the sample for the store and counts it toward the server's uptime. */
  private record(track: Track, sample: HealthSampleRecord): void {
    this.writer.add(sample);
    if (!track.uptime) return;
    track.uptime.since.count++;
    if (!sample.ok) track.uptime.since.failures++;
  }

  /**
   * Uptime over 1 h, 24 h and 7 d: stored samples plus those still in the write buffer, counted
   * at most every UPTIME_RECOUNT_MS, plus the samples recorded since.
   */
  private async uptime(track: Track, at: number): Promise<Pick<HealthMetrics, "uptime_1h" | "uptime_24h" | "uptime_7d">> {
    if (!track.uptime || at - track.uptime.countedAt >= UPTIME_RECOUNT_MS || at < track.uptime.countedAt) {
      const windows = this.countOutcomes(track.id, at);
      track.uptime = { countedAt: at, windows, since: { count: 0, failures: 0 } };
      // A failed count is tried again at the next check, not kept for a minute.
      windows.catch(() => {
        if (track.uptime?.windows === windows) track.uptime = undefined;
      });
    }
    const { windows, since } = track.uptime;
    const counts = await windows;
    const percent = (index: number): number | null => {
      const count = (counts[index]?.count ?? 0) + since.count;
      const failures = (counts[index]?.failures ?? 0) + since.failures;
      return count === 0 ? null : Math.round(((count - failures) / count) * 10_000) / 100;
    };
    return { uptime_1h: percent(0), uptime_24h: percent(1), uptime_7d: percent(2) };
  }

  /** The server's outcomes in each uptime window up to `at`, stored and buffered. */
  private async countOutcomes(serverId: string, at: number): Promise<OutcomeCounts[]> {
    // Queries and the buffer are read in the same synchronous stretch, so a flush in between
    // cannot make a sample count twice or not at all.
    const stored = UPTIME_WINDOWS.map((windowMs) => this.deps.repository.outcomeCounts(serverId, { from: at - windowMs, to: at + 1 }));
    const pending = this.writer.pending(serverId);
    const counts = await Promise.all(stored);
    return counts.map((count, index) => {
      const from = at - (UPTIME_WINDOWS[index] ?? 0);
      const buffered = pending.filter((sample) => sample.at >= from && sample.at <= at);
      return { count: count.count + buffered.length, failures: count.failures + buffered.filter((sample) => !sample.ok).length };
    });
  }

  /** Keeps the new status and publishes it: always after a probe, on change otherwise. */
  private report(track: Track, verdict: Classification, metrics: HealthMetrics, at: number, force: boolean, state: ServerState): void {
    const previous = track.status;
    const changed = previous !== verdict.status || track.reasons.join("\n") !== verdict.reasons.join("\n");
    track.status = verdict.status;
    track.reasons = verdict.reasons;
    track.metrics = metrics;
    if (!force && !changed) return;
    const event: HealthUpdateEvent = {
      type: "health_update",
      server_id: track.id,
      status: verdict.status,
      previous_status: previous,
      reasons: verdict.reasons,
      metrics,
      state,
      at,
    };
    this.deps.bus.publish(event);
  }

  private healthOf(track: Track, view: ServerView): ServerHealth {
    // Before any check, or when the server is not running, the supervisor's state decides.
    const verdict =
      track.status === null || view.state !== "running" ? this.verdictFromState(track, view) : { status: track.status, reasons: track.reasons };
    return {
      server_id: track.id,
      status: verdict.status,
      reasons: verdict.reasons,
      metrics: track.metrics,
      server_state: view.state,
      checked_at: track.checkedAt,
      next_check_at: this.scheduler.nextDueAt(track.id),
      check_interval_s: view.config.health_check_interval,
      response_method: track.responseMethod,
      thresholds: this.thresholdsFor(view),
      capabilities: this.drift.summary(track.id),
    };
  }
}
