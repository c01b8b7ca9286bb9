/**
 * The supervisor of one server: its state machine (stopped, starting, running, backoff,
 * crash_loop, failed, stopping), its restarts, its log ring. Every transition is published on
 * the bus and every start and exit is recorded in the store.
 */
import type { MessageBus } from "../bus/bus.js";
import type { ServerState } from "../bus/events.js";
import type { ServerConfig } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { ConcurrencyLimiter } from "../core/concurrency-limiter.js";
import { AppError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ServerEventKind, Store } from "../store/index.js";
import { Connection, openConnection, StartFailure } from "./connection.js";
import { LogRing } from "./log-ring.js";
import type { LogLine } from "./manager-types.js";
import { waitGroupGone } from "./process-group.js";
import { RestartPolicy } from "./restart-policy.js";
import type { ExitInfo } from "./stdio-transport.js";
import type { UrlGuard } from "./url-policy.js";

export interface SupervisorDeps {
  clock: Clock;
  bus: MessageBus;
  store: Store;
  logger: Logger;
  environment: NodeJS.ProcessEnv;
  /** Marks every child with the daemon's identity so orphans can be recognised after a crash. */
  daemonInstance: string;
  logCapacity: number;
  /** The server's stored secrets, for its `${VAR}` references; API-registered servers only. */
  secrets?: ((serverId: string) => Promise<Record<string, string>>) | undefined;
  /** The network policy's check of remote URLs; API-registered servers only. */
  urlGuard?: UrlGuard | undefined;
  /** Jitters the restart backoff; Math.random unless a test fixes it. */
  random?: (() => number) | undefined;
  /**
   * Turns for starting a stdio server, shared by all of them: a server waits for one (in state
   * `starting`) before its process is spawned, and its startup_timeout runs from then.
   */
  startSlots: ConcurrencyLimiter;
}

/** The variables every stdio child gets, read back by the orphan reaper. */
export const INSTANCE_ENV = "PYGENT_DAEMON_INSTANCE";
export const SERVER_ENV = "PYGENT_SERVER_ID";

export class Supervisor {
  state: ServerState = "stopped";
  reason: string | null = null;
  restarts = 0;
  startedAt: number | null = null;
  nextRestartAt: number | null = null;
  readonly logs: LogRing;

  private connection: Connection | undefined;
  /** A lost connection still being ended (a live process that stopped serving takes a while). */
  private ending: Promise<void> | undefined;
  private wanted = false;
  private generation = 0;
  private timer: TimerHandle | undefined;
  private inflight: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private policy: RestartPolicy;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    public config: ServerConfig,
    private readonly deps: SupervisorDeps,
  ) {
    this.logs = new LogRing(deps.logCapacity);
    this.policy = new RestartPolicy(config, deps.random);
    this.logger = deps.logger.child({ server_id: config.id });
  }

  get id(): string {
    return this.config.id;
  }

  get pid(): number | null {
    return this.connection?.pid ?? null;
  }

  get live(): Connection | undefined {
    return this.state === "running" ? this.connection : undefined;
  }

  /**
   * Starts the server and resolves after the first attempt has an outcome. A `cause` ("on
   * demand") goes on the started event and the log with the time the start took.
   */
  start(cause?: string): Promise<void> {
    return this.untilOutcome(async () => {
      if (this.wanted && this.state !== "failed" && this.state !== "crash_loop" && this.state !== "stopped") {
        return { attempt: this.inflight };
      }
      this.wanted = true;
      this.policy.reset();
      return { attempt: this.launch(cause) };
    });
  }

  /** Stops the server; resolves when its process group is gone. `reason` (an idle stop) stays as the state's reason. */
  stop(reason?: string): Promise<void> {
    return this.serialize(() => this.halt(reason));
  }

  restart(): Promise<void> {
    return this.untilOutcome(async () => {
      await this.halt();
      this.wanted = true;
      this.policy.reset();
      return { attempt: this.launch() };
    });
  }

  /** The live session; throws SERVER_NOT_RUNNING when the server is not running. */
  requireLive(): Connection {
    const connection = this.live;
    if (!connection) throw new AppError("SERVER_NOT_RUNNING", `server "${this.id}" is ${this.state}, not running`);
    return connection;
  }

  /**
   * The server is up but no longer serves (its health checks keep failing): it is ended and
   * restarted through the same backoff and crash-loop accounting as an exit. Its run counts only
   * up to `since`, when it was first seen not serving: detection takes several checks, which
   * must not make a server that hangs every time look stable.
   */
  reportUnresponsive(reason: string, since?: number): void {
    const connection = this.live;
    if (connection) this.onLost(reason, connection.pid, { servedUntil: since });
  }

  /** Replaces the config; the caller restarts the server when it should pick it up. */
  reconfigure(config: ServerConfig): void {
    this.config = config;
    this.policy = new RestartPolicy(config, this.deps.random);
  }

  /**
   * Runs a state change in turn with the others, then waits for the launch it began outside the
   * queue, so that a stop is never stuck behind a server that is slow to initialize.
   */
  private async untilOutcome(operation: () => Promise<{ attempt?: Promise<void> | undefined }>): Promise<void> {
    const { attempt } = await this.serialize(operation);
    await attempt;
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => {});
    return next;
  }

  private async halt(reason?: string): Promise<void> {
    this.wanted = false;
    this.generation++;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRestartAt = null;
    this.abort?.abort();
    const connection = this.connection;
    this.connection = undefined;
    await this.ending;
    if (connection || this.inflight) {
      this.setState("stopping", null);
      await this.inflight;
      if (connection) {
        const pid = connection.pid;
        await connection.close();
        if (pid !== null) await this.forgetGroup(pid);
      }
      this.record("stopped", reason ?? "stopped on request");
    }
    this.startedAt = null;
    this.setState("stopped", reason ?? null);
  }

  private launch(cause?: string): Promise<void> {
    const generation = ++this.generation;
    const began = performance.now();
    const abort = new AbortController();
    this.abort = abort;
    this.setState("starting", null);
    let spawnedPid: number | null = null;
    const secrets = this.deps.secrets;
    const open = () => openConnection(this.config, {
      environment: this.deps.environment,
      extraEnv: { [INSTANCE_ENV]: this.deps.daemonInstance, [SERVER_ENV]: this.id },
      signal: abort.signal,
      ...(secrets ? { secrets: () => secrets(this.id) } : {}),
      ...(this.deps.urlGuard ? { urlGuard: this.deps.urlGuard } : {}),
      hooks: {
        onSpawn: (pid) => {
          spawnedPid = pid;
          this.rememberGroup(pid);
        },
        onStderr: (line) => this.log("stderr", line),
        onNoise: (line) => this.log("stdout", `non-protocol output: ${line}`),
        onTransportError: (error) => this.log("daemon", `transport: ${error.message}`),
        onLost: (reason, { exit, permanent, clean }) => {
          if (generation === this.generation) this.onLost(reason, spawnedPid, { permanent, clean, exit });
        },
        onListChanged: (list) => this.log("daemon", `server reported ${list}/list_changed`),
        onResourceUpdated: (uri) => this.deps.bus.publish({ type: "resource_updated", server_id: this.id, uri, at: this.deps.clock.now() }),
      },
    });
    const opening = this.config.transport === "stdio" ? this.deps.startSlots.run(open, { signal: abort.signal }) : open();
    const attempt = opening.then(
      (connection) => this.onOpened(generation, connection, cause === undefined ? undefined : { cause, began }),
      (error: unknown) => this.onStartFailed(generation, error, spawnedPid),
    );
    this.inflight = attempt.finally(() => {
      if (this.abort === abort) this.abort = undefined;
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async onOpened(generation: number, connection: Connection, started?: { cause: string; began: number }): Promise<void> {
    if (generation !== this.generation) {
      const pid = connection.pid;
      await connection.close();
      if (pid !== null) await this.forgetGroup(pid);
      return;
    }
    this.connection = connection;
    this.startedAt = this.deps.clock.now();
    this.nextRestartAt = null;
    const where = connection.pid !== null ? `pid ${connection.pid}` : this.config.url ?? null;
    if (started) {
      const took = `started ${started.cause} in ${Math.round(performance.now() - started.began)} ms`;
      this.log("daemon", took);
      this.record("started", `${where}; ${took}`);
    } else {
      this.record("started", where);
    }
    this.setState("running", null);
    this.deps.bus.publish({ type: "server_capabilities", server_id: this.id, snapshot: connection.snapshot });
  }

  private async onStartFailed(generation: number, error: unknown, pid: number | null): Promise<void> {
    if (pid !== null) await this.forgetGroup(pid);
    if (generation !== this.generation) return;
    const permanent = error instanceof StartFailure && error.permanent;
    this.record("exited", errorMessage(error));
    this.handleFailure(errorMessage(error), permanent);
  }

  /**
   * `servedUntil`: when the run stopped serving, if before now (a server that hung);
   * `permanent`: reconnecting cannot help (the network policy refuses the server's URL);
   * `clean`: the process exited with code 0 of its own accord; `exit`: how the process ended.
   */
  private onLost(
    reason: string,
    pid: number | null,
    {
      servedUntil,
      permanent = false,
      clean = false,
      exit,
    }: { servedUntil?: number | undefined; permanent?: boolean; clean?: boolean; exit?: ExitInfo | undefined } = {},
  ): void {
    const connection = this.connection;
    this.connection = undefined;
    if (this.startedAt !== null) {
      const endedAt = Math.min(servedUntil ?? Infinity, this.deps.clock.now());
      this.policy.recordRun(Math.max(0, endedAt - this.startedAt));
    }
    this.startedAt = null;
    this.record("exited", reason, exit);
    this.log("daemon", `${this.config.transport === "stdio" ? "server stopped unexpectedly" : "session lost"}: ${reason}`);
    const ending = connection?.close();
    this.ending = ending;
    void ending?.finally(() => {
      if (this.ending === ending) this.ending = undefined;
    });
    if (pid !== null) void this.forgetGroup(pid);
    // A server that finished its work is no longer wanted, so it ends stopped: no restart, no crash loop.
    const finished = clean && this.config.restart !== "always";
    if (finished) this.wanted = false;
    this.handleFailure(finished ? `${reason} (a clean exit; restart is ${this.config.restart})` : reason, permanent);
  }

  private handleFailure(reason: string, permanent: boolean): void {
    if (!this.wanted) {
      this.setState("stopped", reason);
      return;
    }
    if (permanent) {
      this.record("failed", reason);
      this.setState("failed", reason);
      return;
    }
    if (this.config.restart === "never") {
      this.record("failed", reason);
      this.setState("failed", `${reason} (restart is never)`);
      return;
    }
    const decision = this.policy.onFailure(this.deps.clock.now());
    if (decision.action === "give_up") {
      const coolDown = this.config.restart_after_crash_loop || null;
      const retry = coolDown === null ? "" : `; trying again in ${formatDelay(coolDown * 1000)}`;
      this.record("crash_loop", `${decision.reason}; last: ${reason}${retry}`);
      // After the cool-down the server gets a clean slate, as a start by hand would give it.
      if (coolDown === null) this.nextRestartAt = null;
      else this.scheduleRestart(coolDown * 1000, () => this.policy.reset());
      this.setState("crash_loop", `${decision.reason}; last failure: ${reason}${retry}`);
      return;
    }
    this.scheduleRestart(decision.delayMs);
    this.setState("backoff", `${reason}; restarting in ${formatDelay(decision.delayMs)}`);
  }

  private scheduleRestart(delayMs: number, beforeLaunch?: () => void): void {
    const generation = this.generation;
    this.nextRestartAt = this.deps.clock.now() + delayMs;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      if (generation !== this.generation || !this.wanted) return;
      void this.untilOutcome(async () => {
        // Never two of the same server at once: the one that stopped serving goes first.
        await this.ending;
        if (generation !== this.generation || !this.wanted) return {};
        beforeLaunch?.();
        this.restarts++;
        this.record("restarted", `restart ${this.restarts}`);
        if (this.config.transport !== "stdio") this.log("daemon", `reconnecting with a new session (restart ${this.restarts})`);
        return { attempt: this.launch() };
      });
    }, delayMs);
  }

  private setState(state: ServerState, reason: string | null): void {
    const previous = this.state;
    this.state = state;
    this.reason = reason;
    if (previous === state && state !== "backoff") return;
    if (reason) this.log("daemon", `${state}: ${reason}`);
    this.logger.info({ state, previous, reason }, `${previous} -> ${state}`);
    this.deps.bus.publish({
      type: "server_status",
      server_id: this.id,
      state,
      previous,
      reason,
      pid: this.pid,
      restarts: this.restarts,
      at: this.deps.clock.now(),
    });
  }

  private log(stream: LogLine["stream"], line: string): void {
    const entry = { stream, line, at: this.deps.clock.now() };
    this.logs.push(entry);
    this.deps.bus.publish({ type: "server_log", server_id: this.id, ...entry });
  }

  private record(kind: ServerEventKind, detail: string | null, exit?: ExitInfo): void {
    this.deps.store.serverEvents
      .append({ server_id: this.id, kind, detail, exit_code: exit?.code ?? null, signal: exit?.signal ?? null, at: this.deps.clock.now() })
      .catch((error: unknown) => this.logger.error({ err: error }, "could not record server event"));
  }

  private rememberGroup(pid: number): void {
    this.deps.store.processGroups
      .add({
        pgid: pid,
        pid,
        server_id: this.id,
        daemon_pid: process.pid,
        daemon_instance: this.deps.daemonInstance,
        command: (this.config.command ?? []).join(" "),
        started_at: this.deps.clock.now(),
        kind: "server",
      })
      .catch((error: unknown) => this.logger.error({ err: error }, "could not record process group"));
  }

  private async forgetGroup(pgid: number): Promise<void> {
    await waitGroupGone(pgid, (this.config.shutdown_timeout + 3) * 1000);
    await this.deps.store.processGroups
      .remove(pgid)
      .catch((error: unknown) => this.logger.error({ err: error }, "could not forget process group"));
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
