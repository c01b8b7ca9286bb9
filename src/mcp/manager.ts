/**
 * The MCP Manager: the registry of servers (from the config file and from the API), one
 * supervisor each, and the operations the API, the CLI and other domains use.
 */
import { availableParallelism } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import type { MessageBus } from "../bus/bus.js";
import type { CapabilitySnapshot, ServerState } from "../bus/events.js";
import { redactConfig } from "../config/redact.js";
import type { ServerConfig } from "../config/schema.js";
import { parseServer } from "../config/validate.js";
import type { Clock } from "../core/clock.js";
import { ConcurrencyLimiter } from "../core/concurrency-limiter.js";
import { AppError, errorMessage, isAppError } from "../core/errors.js";
import { serverIdProblem } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import type { Store } from "../store/index.js";
import type { CallOutcome } from "../bus/events.js";
import type {
  CallOptions,
  CallProgress,
  LogLine,
  McpManager,
  RegisterOptions,
  RequestControl,
  ResourceTemplateSummary,
  ServerSource,
  ServerView,
  ToolCallResult,
  UpstreamResult,
} from "./manager-types.js";
import { OnDemand, ON_DEMAND_WAITING } from "./on-demand.js";
import { reapOrphans } from "./orphan-reaper.js";
import { toolResultProblem, type ToolResult } from "./tool-result.js";
import { ProcessTable, signalGroup } from "./process-group.js";
import { RESPONSE_TOO_LARGE_REASON } from "./stdio-transport.js";
import { Supervisor } from "./supervisor.js";
import type { Connection } from "./connection.js";
import { createUrlGuard, STRICT_NETWORK_POLICY, urlLiteralProblem, type HostLookup, type NetworkPolicy } from "./url-policy.js";

/** Where a server's stored secrets come from (the store's secrets table in the daemon). */
export interface SecretLookup {
  valuesFor(serverId: string): Promise<Record<string, string>>;
}

export interface ManagerDeps {
  clock: Clock;
  bus: MessageBus;
  store: Store;
  logger: Logger;
  environment?: NodeJS.ProcessEnv;
  /** A random id for this daemon run; see the orphan reaper. */
  daemonInstance: string;
  /** Lines of stderr kept per server. */
  logCapacity?: number;
  /**
   * Secrets of API-registered servers: their `${VAR}` references resolve from these first, then
   * from `environment`. Config-file servers resolve from `environment` only.
   */
  secrets?: SecretLookup;
  /**
   * What remote servers registered through the API may reach (see url-policy.ts); public
   * addresses only when not given. Config-file servers are the operator's and are not checked.
   */
  network?: NetworkPolicy;
  /** How host names are resolved for that check; the system resolver by default (tests inject one). */
  resolveHost?: HostLookup;
  /** Jitters restart backoff; Math.random by default (tests fix it). */
  random?: () => number;
  /** How many stdio servers may be starting at once; the rest wait their turn (default: 2 per core, at least 4). */
  maxConcurrentStarts?: number;
}

/** Enough to keep the cores busy with starts, few enough that each start gets its share of them. */
export const DEFAULT_MAX_CONCURRENT_STARTS = Math.max(4, availableParallelism() * 2);

interface Entry {
  supervisor: Supervisor;
  source: ServerSource;
  /** For API servers: the entry as the user gave it, which PATCH merges into. */
  input?: Record<string, unknown>;
}

/** The fields that change what runs; an edit of any other field (name, thresholds, ...) needs no restart. */
const PROCESS_FIELDS = ["transport", "command", "url", "headers", "env", "cwd"] as const;

function sameProcess(a: ServerConfig, b: ServerConfig): boolean {
  return PROCESS_FIELDS.every((field) => isDeepStrictEqual(a[field], b[field]));
}

/**
 * What an edit of a server's entry (config reload or PATCH) does to it. A server that is
 * stopped while enabled was stopped by an operator, and no edit starts it again: only enabling
 * a disabled server starts it, and only a running (or retrying) one restarts for a new process.
 */
function editAction(previous: ServerConfig, next: ServerConfig, state: ServerState): "stop" | "start" | "restart" | "none" {
  if (!next.enabled) return "stop";
  if (!previous.enabled) return "start";
  if (state !== "stopped" && !sameProcess(previous, next)) return "restart";
  return "none";
}

/** The SDK's request options for a call bounded by `control`, else by the server's request_timeout. */
function requestOptions(found: Entry, control: RequestControl): { timeout: number; signal?: AbortSignal } {
  return {
    timeout: control.timeoutMs ?? found.supervisor.config.request_timeout * 1000,
    ...(control.signal ? { signal: control.signal } : {}),
  };
}

/** The caller when none is named: code inside the daemon. */
const INTERNAL_CALLER = { id: null, name: "local", via: "internal" } as const;

type SdkRequestOptions = { timeout: number; signal?: AbortSignal; onprogress?: (progress: CallProgress) => void };

/**
 * The SDK's options for a caller's request. The request_timeout bounds the whole request: progress
 * does not extend it (resetTimeoutOnProgress stays off), so a server that reports progress
 * forever cannot hold a caller forever; a tool that needs longer needs a longer request_timeout.
 */
function sdkRequestOptions(timeout: number, options: CallOptions): SdkRequestOptions {
  return {
    timeout,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onprogress: options.onProgress } : {}),
  };
}

function cancelled(id: string, what: string): AppError {
  return new AppError("CALL_CANCELLED", `the caller cancelled ${what} on server "${id}"; the server was told to stop`);
}

/**
 * Runs one request on a running server within its request_timeout; a failure becomes an
 * AppError naming the server and the request (`what`, e.g. `resources/read echo://info`). A
 * caller's request (with `options`) is in flight for the server's sampling and elicitation.
 */
async function upstreamRequest<T>(
  found: Entry,
  what: string,
  options: CallOptions | undefined,
  send: (connection: Connection, sdkOptions: SdkRequestOptions) => Promise<T>,
): Promise<T> {
  const connection = found.supervisor.requireLive();
  const timeout = found.supervisor.config.request_timeout * 1000;
  const id = found.supervisor.id;
  const leave = options ? connection.calls.enter(options) : undefined;
  try {
    return await send(connection, sdkRequestOptions(timeout, options ?? {}));
  } catch (error) {
    if (options?.signal?.aborted) throw cancelled(id, what);
    const message = errorMessage(error);
    if (/timed? ?out/i.test(message)) throw new AppError("UPSTREAM_TIMEOUT", `server "${id}" did not answer ${what} within ${timeout / 1000} s`);
    throw new AppError("UPSTREAM_FAILED", `server "${id}" failed to answer ${what}: ${message}`);
  } finally {
    leave?.();
  }
}

export function createMcpManager(deps: ManagerDeps): McpManager {
  const entries = new Map<string, Entry>();
  // One scan of /proc serves every health check within a second, not one scan per check.
  const processTable = new ProcessTable(1000);
  const logger = deps.logger.child({ module: "mcp" });
  let started = false;
  const supervisorDeps = {
    clock: deps.clock,
    bus: deps.bus,
    store: deps.store,
    logger,
    environment: deps.environment ?? process.env,
    daemonInstance: deps.daemonInstance,
    logCapacity: deps.logCapacity ?? 500,
    random: deps.random,
    startSlots: new ConcurrencyLimiter(deps.maxConcurrentStarts ?? DEFAULT_MAX_CONCURRENT_STARTS),
  };
  let network = deps.network ?? STRICT_NETWORK_POLICY;
  const secrets = deps.secrets;
  const onDemand = new OnDemand({ clock: deps.clock, repository: deps.store.lastCapabilities, logger });
  deps.bus.subscribe("server_capabilities", (event) => {
    const found = entries.get(event.server_id);
    if (found) onDemand.keep(found.supervisor, event.snapshot);
  });
  deps.bus.subscribe("server_status", (event) => {
    const found = entries.get(event.server_id);
    if (found) onDemand.onState(found.supervisor);
  });
  const apiSupervisorDeps = {
    ...supervisorDeps,
    // Built per check, so that setNetworkPolicy applies to the next connection.
    urlGuard: (url: URL) => createUrlGuard(network, deps.resolveHost)(url),
    ...(secrets ? { secrets: (serverId: string) => secrets.valuesFor(serverId) } : {}),
  };

  /** Refuses at once (400) a remote URL that already names a forbidden address. */
  function checkRemoteUrl(config: ServerConfig): void {
    if (config.transport === "stdio" || config.url === undefined) return;
    const problem = urlLiteralProblem(config.url, network);
    if (problem) throw new AppError("URL_NOT_ALLOWED", `url: ${problem}`, { issues: [{ field: "url", message: problem }] });
  }

  function entry(id: string): Entry {
    // Every registered id was checked when it was registered; only a miss needs the check.
    const found = entries.get(id);
    if (found) return found;
    const problem = serverIdProblem(id);
    if (problem) throw new AppError("INVALID_ID", `id: ${problem}`, { issues: [{ field: "id", message: problem }] });
    throw new AppError("SERVER_NOT_FOUND", `no MCP server has the id "${id}"`);
  }

  function snapshotOf(supervisor: Supervisor): CapabilitySnapshot | null {
    return supervisor.live?.snapshot ?? onDemand.lastSnapshot(supervisor);
  }

  function view({ supervisor, source }: Entry): ServerView {
    const config = supervisor.config;
    const snapshot = snapshotOf(supervisor);
    const waiting = config.start === "on_demand" && config.enabled && supervisor.state === "stopped" && supervisor.reason === null;
    return {
      id: config.id,
      name: config.name,
      transport: config.transport,
      category: config.category ?? null,
      description: config.description ?? null,
      source,
      enabled: config.enabled,
      state: supervisor.state,
      reason: waiting ? ON_DEMAND_WAITING : supervisor.reason,
      pid: supervisor.pid,
      restarts: supervisor.restarts,
      started_at: supervisor.startedAt,
      next_restart_at: supervisor.nextRestartAt,
      tools_count: snapshot ? snapshot.tools.length : null,
      config: redactConfig(config),
    };
  }

  function add(config: ServerConfig, source: ServerSource, input?: Record<string, unknown>): Entry {
    const supervisor = new Supervisor(config, source === "api" ? apiSupervisorDeps : supervisorDeps);
    const created: Entry = { supervisor, source, ...(input ? { input } : {}) };
    entries.set(config.id, created);
    deps.bus.publish({ type: "server_registered", server_id: config.id, source });
    return created;
  }

  async function drop(id: string): Promise<void> {
    const found = entries.get(id);
    if (!found) return;
    // Out of the registry first: a start asked for while it stops must not revive an untracked process.
    entries.delete(id);
    await found.supervisor.stop();
    await onDemand.forget(id);
    deps.bus.publish({ type: "server_removed", server_id: id });
  }

  /** Starts a server, or for an on-demand one, lists its tools once if they are not known yet. */
  function launch(found: Entry): Promise<void> {
    const { supervisor } = found;
    return supervisor.config.start === "on_demand" ? onDemand.learn(supervisor) : supervisor.start();
  }

  function launchInBackground(found: Entry): void {
    launch(found).catch((error: unknown) => logger.error({ err: error, server_id: found.supervisor.id }, "start failed"));
  }

  /** A routed call: one to an on-demand server starts it first and counts towards its idle time. */
  function routed<T>(id: string, call: () => Promise<T>): Promise<T> {
    const found = entries.get(id);
    return found?.supervisor.config.start === "on_demand" ? onDemand.run(found.supervisor, call) : call();
  }

  function applyOptions(input: Record<string, unknown>, options: RegisterOptions): Record<string, unknown> {
    const out = { ...input };
    if (options.auto_restart !== undefined) out.auto_restart = options.auto_restart;
    if (options.health_check_interval !== undefined) out.health_check_interval = options.health_check_interval;
    return out;
  }

  function requireApiSource(found: Entry): void {
    if (found.source === "config") {
      throw new AppError(
        "SERVER_CONFIG_MANAGED",
        `server "${found.supervisor.id}" is defined in the config file; edit the file to change or remove it`,
      );
    }
  }

  let prepared: Promise<void> | undefined;
  function prepare(): Promise<void> {
    prepared ??= (async () => {
      const reaped = await reapOrphans(deps.store.processGroups, deps.daemonInstance, logger);
      if (reaped.killed.length > 0) logger.warn({ pids: reaped.killed }, "ended orphaned server and install processes");
      for (const stored of await deps.store.servers.list()) {
        if (entries.has(stored.id)) {
          logger.warn({ server_id: stored.id }, "an API-registered server has the same id as a config-file server; the file wins");
          continue;
        }
        try {
          add(parseServer({ ...(stored.config as Record<string, unknown>), id: stored.id }), "api", stored.config as Record<string, unknown>);
        } catch (error) {
          logger.error({ server_id: stored.id, err: errorMessage(error) }, "stored server config is no longer valid; skipped");
        }
      }
      await onDemand.load();
    })();
    return prepared;
  }

  const manager: McpManager = {
    daemonInstance: deps.daemonInstance,

    prepare,

    async start() {
      await prepare();
      await onDemand.dropAllExcept(new Set(entries.keys()));
      started = true;
      for (const found of [...entries.values()]) {
        if (!started) return;
        if (entries.get(found.supervisor.id) !== found || !found.supervisor.config.enabled) continue;
        launchInBackground(found);
        // A start spawns a process, a fork of the daemon that blocks it for tens of milliseconds on a
        // busy machine: requests to the API that listens already are answered between two of them.
        await nextTurn();
      }
    },

    async stop() {
      started = false;
      onDemand.close();
      await Promise.all([...entries.values()].map((found) => found.supervisor.stop()));
    },

    killAll() {
      for (const found of entries.values()) {
        const pid = found.supervisor.pid;
        if (pid !== null) signalGroup(pid, "SIGKILL");
      }
    },

    list() {
      return [...entries.values()].map(view).sort((a, b) => a.id.localeCompare(b.id));
    },

    get(id) {
      return view(entry(id));
    },

    runState(id) {
      return entry(id).supervisor;
    },

    networkPolicy() {
      return network;
    },

    setNetworkPolicy(policy) {
      network = policy;
    },

    categoryOf(id) {
      return entries.get(id)?.supervisor.config.category ?? null;
    },

    async registerServer(id, config, options = {}) {
      const problem = serverIdProblem(id);
      if (problem) throw new AppError("INVALID_ID", `id: ${problem}`, { issues: [{ field: "id", message: problem }] });
      if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new AppError("VALIDATION_FAILED", "the server config must be a JSON object");
      }
      const input = applyOptions({ ...(config as Record<string, unknown>), id }, options);
      const parsed = parseServer(input);
      checkRemoteUrl(parsed);
      if (entries.has(id)) throw new AppError("SERVER_EXISTS", `a server with the id "${id}" already exists`);
      await deps.store.servers.save(id, input, deps.clock.now());
      const created = add(parsed, "api", input);
      if (started && parsed.enabled && options.start !== false) await launch(created);
      return view(created);
    },

    async updateServer(id, patch) {
      const found = entry(id);
      requireApiSource(found);
      if ("id" in patch && patch.id !== id) {
        throw new AppError("VALIDATION_FAILED", "id: cannot be changed; remove the server and add it again", {
          issues: [{ field: "id", message: "cannot be changed" }],
        });
      }
      const merged: Record<string, unknown> = { ...found.input };
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      const parsed = parseServer(merged);
      checkRemoteUrl(parsed);
      await deps.store.servers.save(id, merged, deps.clock.now());
      found.input = merged;
      const action = editAction(found.supervisor.config, parsed, found.supervisor.state);
      found.supervisor.reconfigure(parsed);
      deps.bus.publish({ type: "server_updated", server_id: id });
      if (action === "stop") await found.supervisor.stop();
      else if (action === "restart") await found.supervisor.restart();
      else if (action === "start" && started) await launch(found);
      return view(found);
    },

    async removeServer(id) {
      const found = entry(id);
      requireApiSource(found);
      await drop(id);
      await deps.store.servers.remove(id);
    },

    async applyConfig(servers) {
      const added: string[] = [];
      const removed: string[] = [];
      const changed: string[] = [];
      const wanted = new Map(servers.map((config) => [config.id, config]));
      for (const [id, found] of entries) {
        if (found.source === "config" && !wanted.has(id)) {
          await drop(id);
          removed.push(id);
        }
      }
      for (const config of servers) {
        const found = entries.get(config.id);
        if (found && found.source === "api") {
          logger.warn({ server_id: config.id }, "config file names a server already registered through the API; ignored");
          continue;
        }
        if (!found) {
          const created = add(config, "config");
          added.push(config.id);
          if (started && config.enabled) launchInBackground(created);
          continue;
        }
        if (isDeepStrictEqual(found.supervisor.config, config)) continue;
        changed.push(config.id);
        const action = editAction(found.supervisor.config, config, found.supervisor.state);
        found.supervisor.reconfigure(config);
        if (action === "stop") await found.supervisor.stop();
        else if (action !== "none" && started) {
          (action === "start" ? launch(found) : found.supervisor.restart()).catch((error: unknown) =>
            logger.error({ err: error, server_id: config.id }, "restart failed"),
          );
        }
      }
      return { added, removed, changed };
    },

    async startServer(id) {
      const found = entry(id);
      await found.supervisor.start();
      return view(found);
    },

    async stopServer(id) {
      const found = entry(id);
      await found.supervisor.stop();
      return view(found);
    },

    async restartServer(id) {
      const found = entry(id);
      await found.supervisor.restart();
      return view(found);
    },

    capabilities(id): CapabilitySnapshot | null {
      return snapshotOf(entry(id).supervisor);
    },

    logs(id, limit): LogLine[] {
      return entry(id).supervisor.logs.tail(limit);
    },

    async events(id, limit = 100) {
      entry(id);
      return deps.store.serverEvents.listForServer(id, limit);
    },

    async callTool(id, name, args, options = {}): Promise<ToolCallResult> {
      const found = entry(id);
      const connection = found.supervisor.requireLive();
      const { tools } = connection.snapshot;
      if (!tools.some((tool) => tool.name === name)) {
        throw new AppError("TOOL_NOT_FOUND", `server "${id}" has no tool named "${name}"`, { tools: tools.map((tool) => tool.name) });
      }
      const timeoutMs = found.supervisor.config.request_timeout * 1000;
      const { via, ...caller } = options.caller ?? INTERNAL_CALLER;
      const began = performance.now();
      const report = (outcome: CallOutcome) =>
        deps.bus.publish({
          type: "tool_called",
          server_id: id,
          tool: name,
          ok: outcome === "ok",
          outcome,
          caller,
          via,
          duration_ms: performance.now() - began,
          at: deps.clock.now(),
        });
      const leave = connection.calls.enter(options);
      try {
        const answer = await connection.callTool(name, args, sdkRequestOptions(timeoutMs, options));
        const problem = toolResultProblem(answer, { anyStructuredContent: connection.modernEra });
        if (problem !== null) {
          report("failed");
          throw new AppError("TOOL_RESULT_INVALID", `server "${id}" answered ${name} with ${problem}; it was not passed on`);
        }
        const result = answer as ToolResult;
        report(result.isError === true ? "tool_error" : "ok");
        return {
          content: result.content,
          ...(result.structuredContent !== undefined ? { structured_content: result.structuredContent } : {}),
          is_error: result.isError === true,
          duration_ms: Math.round((performance.now() - began) * 10) / 10,
        };
      } catch (error) {
        if (isAppError(error)) throw error;
        if (options.signal?.aborted) {
          report("cancelled");
          throw cancelled(id, name);
        }
        const message = errorMessage(error);
        if ((error as { data?: { reason?: unknown } }).data?.reason === RESPONSE_TOO_LARGE_REASON) {
          report("failed");
          throw new AppError("RESPONSE_TOO_LARGE", `server "${id}" failed to answer ${name}: ${message}`);
        }
        if (/timed? ?out/i.test(message)) {
          report("timeout");
          throw new AppError("TOOL_CALL_TIMEOUT", `server "${id}" did not answer ${name} within ${timeoutMs / 1000} s`);
        }
        report("failed");
        throw new AppError("TOOL_CALL_FAILED", `server "${id}" failed to run ${name}: ${message}`);
      } finally {
        leave();
      }
    },

    async readResource(id, uri, options = {}) {
      return upstreamRequest(entry(id), `resources/read ${uri}`, options, (connection, sdkOptions) =>
        connection.client.readResource({ uri }, sdkOptions) as Promise<UpstreamResult>,
      );
    },

    async getPrompt(id, name, args, options = {}) {
      return upstreamRequest(entry(id), `prompts/get ${name}`, options, (connection, sdkOptions) =>
        connection.client.getPrompt({ name, arguments: args }, sdkOptions) as Promise<UpstreamResult>,
      );
    },

    async complete(id, params, options = {}) {
      return upstreamRequest(entry(id), `completion/complete ${params.ref.type === "ref/prompt" ? params.ref.name : params.ref.uri}`, options, (connection, sdkOptions) =>
        connection.client.complete(params, sdkOptions) as Promise<UpstreamResult>,
      );
    },

    async subscribeResource(id, uri) {
      await upstreamRequest(entry(id), `resources/subscribe ${uri}`, undefined, (connection, sdkOptions) => connection.client.subscribeResource({ uri }, sdkOptions));
    },

    async unsubscribeResource(id, uri) {
      await upstreamRequest(entry(id), `resources/unsubscribe ${uri}`, undefined, (connection, sdkOptions) => connection.client.unsubscribeResource({ uri }, sdkOptions));
    },

    async listResourceTemplates(id): Promise<ResourceTemplateSummary[]> {
      const found = entry(id);
      if (!found.supervisor.requireLive().client.getServerCapabilities()?.resources) return [];
      const { resourceTemplates } = await upstreamRequest(found, "resources/templates/list", undefined, (connection, sdkOptions) =>
        connection.client.listResourceTemplates(undefined, sdkOptions),
      );
      return resourceTemplates.map((template) => ({
        uri_template: template.uriTemplate,
        name: template.name,
        ...(template.title !== undefined ? { title: template.title } : {}),
        ...(template.description !== undefined ? { description: template.description } : {}),
        ...(template.mimeType !== undefined ? { mime_type: template.mimeType } : {}),
      }));
    },

    async ping(id, options = {}) {
      const found = entry(id);
      const began = performance.now();
      await found.supervisor.requireLive().ping(requestOptions(found, options));
      return performance.now() - began;
    },

    async refreshCapabilities(id, options = {}) {
      const found = entry(id);
      const { timeout, signal } = requestOptions(found, options);
      const snapshot = await found.supervisor.requireLive().refresh(timeout, signal);
      onDemand.keep(found.supervisor, snapshot);
      return snapshot;
    },

    capabilitiesChanged(id) {
      return entries.get(id)?.supervisor.live?.listsChanged ?? false;
    },

    reportUnresponsive(id, reason, since) {
      const found = entries.get(id);
      if (!found) return;
      logger.warn({ server_id: id, reason }, "restarting a server that stopped serving");
      found.supervisor.reportUnresponsive(reason, since);
    },

    processIds(id) {
      const pid = entry(id).supervisor.pid;
      return pid === null ? [] : processTable.group(pid);
    },
  };
  const { callTool, readResource, getPrompt, complete } = manager;
  return {
    ...manager,
    callTool: (id, name, args, options) => routed(id, () => callTool(id, name, args, options)),
    readResource: (id, uri, options) => routed(id, () => readResource(id, uri, options)),
    getPrompt: (id, name, args, options) => routed(id, () => getPrompt(id, name, args, options)),
    complete: (id, params, options) => routed(id, () => complete(id, params, options)),
  };
}
