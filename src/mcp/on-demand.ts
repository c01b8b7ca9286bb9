/**
 * On-demand servers (`start: "on_demand"`): left stopped at the daemon's start, started by the
 * first call routed to them (one start shared by every call that arrives meanwhile), stopped
 * again after `idle_stop` seconds without calls — a stop on purpose with the reason "idle", not
 * a failure. Their last capability snapshot is kept (in memory and in the store) so that their
 * tools can be listed while they are stopped; one never seen before is started once to list them.
 */
import type { CapabilitySnapshot, ServerState } from "../bus/events.js";
import type { ServerConfig } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { AppError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { LastCapabilitiesRepository } from "../store/index.js";
import type { Supervisor } from "./supervisor.js";

/** The reason a never-started on-demand server shows while it waits for its first call. */
export const ON_DEMAND_WAITING = "on demand: starts at its first call";

/** The states from which a call starts an on-demand server (or waits for the start under way). */
const STARTABLE: ReadonlySet<ServerState> = new Set(["stopped", "stopping", "starting"]);

/** Whether a call to this server would start it: on demand, enabled, and stopped or on its way up or down. */
export function startsOnCall(server: { state: ServerState; config: Pick<ServerConfig, "start" | "enabled"> }): boolean {
  return server.config.start === "on_demand" && server.config.enabled && STARTABLE.has(server.state);
}

/** What a snapshot says, without when it was taken: equal lists need no new write. */
function contentOf(snapshot: CapabilitySnapshot): string {
  const { captured_at: _at, timings: _timings, ...content } = snapshot;
  return JSON.stringify(content);
}

interface Activity {
  /** Routed calls in flight: the idle time counts from the end of the last one. */
  inflight: number;
  timer: TimerHandle | undefined;
}

export interface OnDemandDeps {
  clock: Clock;
  repository: LastCapabilitiesRepository;
  logger: Logger;
}

export class OnDemand {
  private readonly kept = new Map<string, { snapshot: CapabilitySnapshot; content: string }>();
  private readonly activity = new Map<string, Activity>();

  constructor(private readonly deps: OnDemandDeps) {}

  /** Reads the kept snapshots from the store (once, before servers start). */
  async load(): Promise<void> {
    for (const record of await this.deps.repository.list()) {
      const snapshot = record.snapshot as CapabilitySnapshot;
      this.kept.set(record.server_id, { snapshot, content: contentOf(snapshot) });
    }
  }

  /** Deletes the kept snapshots of servers no longer registered. */
  async dropAllExcept(ids: ReadonlySet<string>): Promise<void> {
    for (const id of [...this.kept.keys()]) if (!ids.has(id)) await this.forget(id);
  }

  /** The last snapshot of an on-demand server, kept while it is not running; null for other servers. */
  lastSnapshot(supervisor: Supervisor): CapabilitySnapshot | null {
    return supervisor.config.start === "on_demand" ? (this.kept.get(supervisor.id)?.snapshot ?? null) : null;
  }

  /** Keeps what an on-demand server reported, writing it to the store when its lists changed. */
  keep(supervisor: Supervisor, snapshot: CapabilitySnapshot): void {
    if (supervisor.config.start !== "on_demand") return;
    const content = contentOf(snapshot);
    const previous = this.kept.get(supervisor.id);
    this.kept.set(supervisor.id, { snapshot, content });
    if (previous?.content === content) return;
    this.deps.repository
      .save({ server_id: supervisor.id, snapshot, captured_at: snapshot.captured_at })
      .catch((error: unknown) => this.deps.logger.error({ server_id: supervisor.id, err: errorMessage(error) }, "could not keep the capability snapshot"));
  }

  /** The server is gone: its snapshot and its idle timer with it. */
  async forget(id: string): Promise<void> {
    this.deps.clock.clearTimeout(this.activity.get(id)?.timer);
    this.activity.delete(id);
    if (!this.kept.delete(id)) return;
    await this.deps.repository
      .remove(id)
      .catch((error: unknown) => this.deps.logger.error({ server_id: id, err: errorMessage(error) }, "could not drop the capability snapshot"));
  }

  /**
   * Brings up an on-demand server never seen before, so that its tools are known, then stops it
   * again unless a call arrived meanwhile. Servers with a kept snapshot are left stopped.
   */
  async learn(supervisor: Supervisor): Promise<void> {
    if (supervisor.config.start !== "on_demand" || this.kept.has(supervisor.id)) return;
    await supervisor.start("to list its tools");
    if (supervisor.state !== "running" || this.activityOf(supervisor.id).inflight > 0) return;
    await supervisor.stop(`${ON_DEMAND_WAITING} (its tools are listed)`);
  }

  /**
   * Runs a routed call (tools/call, prompts/get, resources/read): an on-demand server that is not
   * running is started first and the call waits for it, within its startup_timeout (calls that
   * arrive meanwhile wait for the same start: the supervisor runs one at a time); the time
   * without calls that stops it counts from the end of the last call.
   */
  async run<T>(supervisor: Supervisor, call: () => Promise<T>): Promise<T> {
    const activity = this.activityOf(supervisor.id);
    activity.inflight++;
    this.deps.clock.clearTimeout(activity.timer);
    activity.timer = undefined;
    try {
      if (startsOnCall(supervisor)) await supervisor.start("on demand");
      // A start that failed leaves it retrying (backoff) or given up: the call says why.
      if (supervisor.state !== "running" && supervisor.config.enabled) {
        throw new AppError(
          "SERVER_START_FAILED",
          `server "${supervisor.id}" starts on demand and could not be started: ${supervisor.reason ?? supervisor.state}`,
          { server_id: supervisor.id, state: supervisor.state },
        );
      }
      return await call();
    } finally {
      activity.inflight--;
      this.armIdleStop(supervisor);
    }
  }

  /** A server came up or went down: its idle time starts, or no longer matters. */
  onState(supervisor: Supervisor): void {
    if (supervisor.state === "running") {
      this.armIdleStop(supervisor);
      return;
    }
    const activity = this.activity.get(supervisor.id);
    if (!activity) return;
    this.deps.clock.clearTimeout(activity.timer);
    activity.timer = undefined;
  }

  /** Stops every idle timer (the manager is stopping). */
  close(): void {
    for (const activity of this.activity.values()) this.deps.clock.clearTimeout(activity.timer);
    this.activity.clear();
  }

  private activityOf(id: string): Activity {
    let activity = this.activity.get(id);
    if (!activity) {
      activity = { inflight: 0, timer: undefined };
      this.activity.set(id, activity);
    }
    return activity;
  }

  private armIdleStop(supervisor: Supervisor): void {
    const { idle_stop: idleStop, start } = supervisor.config;
    if (start !== "on_demand" || idleStop === undefined || supervisor.state !== "running") return;
    const activity = this.activityOf(supervisor.id);
    if (activity.inflight > 0) return;
    this.deps.clock.clearTimeout(activity.timer);
    activity.timer = this.deps.clock.setTimeout(() => {
      activity.timer = undefined;
      if (activity.inflight > 0 || supervisor.state !== "running") return;
      this.deps.logger.info({ server_id: supervisor.id, idle_stop: idleStop }, "stopping an idle on-demand server");
      supervisor
        .stop(`idle: no calls for ${idleStop} s; starts again at its next call`)
        .catch((error: unknown) => this.deps.logger.error({ server_id: supervisor.id, err: errorMessage(error) }, "idle stop failed"));
    }, idleStop * 1000);
  }
}
