/**
 * The composition root of `pygent serve`: store, bus and MCP manager first (the retrieval system
 * and agents' memory with the store), then the health monitor, alerts, discovery and the HTTP
 * app, then the config watcher; stopped in reverse.
 * Nothing here holds business logic; it wires the domains together and owns their lifetimes.
 *
 * Only what it takes to spawn the servers is loaded before they spawn; the other domains and
 * the HTTP layer load while the servers boot, which is most of the time to ready.
 */
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { EvolutionService, RetrievalGenes } from "../agents/evolution/index.js";
import type { AgentFactory } from "../agents/index.js";
import { authRequiredBy, createAuthState, isLoopback } from "../api/auth/auth-state.js";
import { createAlertService, type AlertService } from "../alerts/index.js";
import { createAuditService, DEFAULT_AUDIT_RETENTION_DAYS, LOCAL_ACTOR } from "../audit/index.js";
import { InProcessBus, RequestReply, type MessageBus } from "../bus/index.js";
import { exposedSecretsWarning } from "../config/file-privacy.js";
import { profileServerWarnings } from "../config/gateway-profiles-schema.js";
import { parseConfigText, readConfigText } from "../config/loader.js";
import type { ConfigReloadStatus } from "../config/reload-status.js";
import {
  GatewayConfigSchema,
  HealthConfigSchema,
  RagConfigSchema,
  type ConfigFile,
  type GatewayConfig,
  type HealthConfig,
  type RagConfig,
  type SecurityConfig,
} from "../config/schema.js";
import { starterServers } from "../config/starter.js";
import { watchConfigFile, type ConfigWatcher } from "../config/watcher.js";
import { systemClock, type Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import type { Discovery } from "../discovery/index.js";
import type { Gateway, ToolApprovalSettings } from "../gateway/index.js";
import { newId } from "../core/ids.js";
import { createLogger, type Logger } from "../core/logger.js";
import { VERSION } from "../core/version.js";
import type { AgentFactoryFigures, HealthMonitor, MetricsServices, SystemHealth } from "../health/index.js";
import { HashedEmbedder, type ChatModels } from "../llm/index.js";
import { createMcpManager, STRICT_NETWORK_POLICY, type McpManager, type NetworkPolicy } from "../mcp/index.js";
import { MemoryManager } from "../memory/index.js";
import { createRagService, retrievalPort, type RagService } from "../rag/index.js";
import { openStore, securePrivateDir, type Store } from "../store/index.js";
import { lockDataDir, type DataDirLock, type PreviousRun } from "./data-dir-lock.js";

export interface DaemonOptions {
  dataDir: string;
  configPath: string;
  host: string;
  port: number;
  /** Names besides the loopback ones and the bind address that clients may use in the Host header. */
  allowedHosts?: string[];
  logLevel?: string;
  logger?: Logger;
  clock?: Clock;
  environment?: NodeJS.ProcessEnv;
}

export interface DaemonStarted {
  url: string;
  settled: Promise<void>;
}

export interface Daemon {
  readonly manager: McpManager;
  readonly store: Store;
  readonly bus: MessageBus;
  readonly alerts: AlertService;
  /** The discovery catalog and installs. */
  readonly discovery: Discovery;
  readonly health: HealthMonitor;
  /** The Retrieval System over the store's index. */
  readonly rag: RagService;
  /** Agents' memory over the store. */
  readonly memory: MemoryManager;
  /** The Agent Factory, once start() has built it. */
  readonly agents: AgentFactory;
  /** The HTTP app, once start() has built it. */
  readonly app: FastifyInstance | undefined;
  readonly configPath: string;
  readonly dataDir: string;
  /**
   * Listens and starts every server; resolves with the URL it serves on and `settled`, which
   * resolves once those first starts have ended (running, failed or stopped), within 30 s.
   */
  start(): Promise<DaemonStarted>;
  /** Stops in reverse order; resolves when every child process is gone. */
  stop(): Promise<void>;
  /** The last resort when a person will not wait: SIGKILL to every server's process group, now. */
  kill(): void;
}

/**
 * Binds the address once and lets go, so that a port already in use is reported before any
 * server is spawned rather than after all of them have started and been stopped again.
 */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EADDRINUSE" && code !== "EACCES") throw error;
    const why = code === "EADDRINUSE" ? "is already in use (another daemon? choose one with --port)" : "needs privileges this user lacks";
    throw Object.assign(new Error(`cannot listen on ${host}:${port}: the port ${why}`, { cause: error }), { code });
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** Writes the starter config when there is no config file yet; returns the file's text. */
async function ensureConfigFile(configPath: string, dataDir: string, logger: Logger): Promise<string> {
  if (!existsSync(configPath)) {
    const text = `${JSON.stringify({ servers: starterServers(dataDir) }, null, 2)}\n`;
    writeFileSync(configPath, text, { flag: "wx" });
    logger.info({ path: configPath }, "no config file found; wrote a starter config with the four official MCP servers");
    return text;
  }
  return readConfigText(configPath);
}

/** Logs, naming fields but never values, a config file with literal secrets that other users can read. */
async function warnIfSecretsExposed(configPath: string, config: ConfigFile, logger: Logger): Promise<void> {
  const warning = await exposedSecretsWarning(configPath, config).catch(() => undefined);
  if (warning) logger.warn({ path: warning.path, mode: warning.mode, fields: warning.fields }, warning.message);
}

/** The longest the catalog load waits for the servers' starts to settle. */
const CATALOG_LOAD_DEFER_MAX_MS = 30_000;

/**
 * Resolves once no server is starting (each start ended running, failed or stopped), or after
 * `maxMs`, whichever comes first. Counted from status events, not by listing every server on each.
 */
function whenStartsSettle(manager: McpManager, bus: MessageBus, maxMs: number): Promise<void> {
  return new Promise((settle) => {
    const starting = new Set<string>();
    const done = (): void => {
      unsubscribe();
      clearTimeout(timer);
      settle();
    };
    const unsubscribe = bus.subscribe("server_status", (event) => {
      if (event.state === "starting") starting.add(event.server_id);
      else if (starting.delete(event.server_id) && starting.size === 0) done();
    });
    const timer = setTimeout(done, maxMs);
    timer.unref();
    for (const view of manager.list()) if (view.state === "starting" || view.enabled) starting.add(view.id);
    if (starting.size === 0) done();
  });
}

interface Services {
  health: HealthMonitor;
  systemHealth: SystemHealth;
  discovery: Discovery;
  metrics: MetricsServices;
}

interface ServiceInputs {
  config: ConfigFile;
  dataDir: string;
  manager: McpManager;
  store: Store;
  bus: MessageBus;
  logger: Logger;
  clock: Clock;
  environment: NodeJS.ProcessEnv;
  startedAt: number;
  healthConfig: () => HealthConfig;
  alerts: AlertService;
  rag: RagService;
  memory: MemoryManager;
  /** The Agent Factory's figures for /health/agents, once it is built. */
  agentFigures: () => Promise<AgentFactoryFigures | undefined>;
}

/** Loads and builds the health monitor, discovery and metrics while the servers boot. */
async function createServices(inputs: ServiceInputs): Promise<Services> {
  const [{ createDiscovery }, health] = await Promise.all([import("../discovery/index.js"), import("../health/index.js")]);
  const { config, dataDir, manager, store, bus, logger, clock, environment, startedAt, alerts } = inputs;
  const discovery = createDiscovery({ config: config.discovery, dataDir, manager, store, bus, logger, clock, environment });
  // Real usage ranks the marketplace's "popular"; health is the cache's last known state.
  bus.subscribe("tool_called", (event) => discovery.catalog.recordToolCalls(event.server_id, 1));
  bus.subscribe("health_update", (event) => discovery.catalog.recordHealth(event.server_id, event.status));
  health.publishStorageFaults(store, bus, clock);
  const monitor = health.createHealthMonitor({ manager, bus, repository: store.health, serverEvents: store.serverEvents, clock, logger, config: inputs.healthConfig() });
  const systemHealth = health.createSystemHealth({
    store,
    manager,
    monitor,
    clock,
    version: VERSION,
    startedAt,
    config: inputs.healthConfig,
    rag: () => inputs.rag.figures(),
    memoryManager: () => inputs.memory.figures(),
    agents: inputs.agentFigures,
  });
  const alertsFiring = () => alerts.firing();
  const summary = health.createMetricsSummary({ bus, manager, monitor, clock, startedAt, alertsFiring });
  const metrics: MetricsServices = {
    prometheus: health.createPrometheusMetrics({ bus, manager, monitor, alertsFiring }),
    summary,
    activity: health.createActivityFeed({ bus, clock, figures: () => summary.activity() }),
  };
  return { health: monitor, systemHealth, discovery, metrics };
}

/**
 * Tells each server's history that the daemon's previous run ended without stopping it (kill -9,
 * a crash): its last events stop short, with no exit. Dated at this run's start, before its
 * servers' new `started` events.
 */
async function recordUncleanShutdown(previous: PreviousRun, manager: McpManager, store: Store, at: number, logger: Logger): Promise<void> {
  const since = previous.started_at === null ? "" : `, started ${previous.started_at}`;
  const detail = `the daemon's previous run (pid ${previous.pid}${since}) ended without a clean stop`;
  logger.warn({ previous_pid: previous.pid, previous_started_at: previous.started_at }, detail);
  for (const server of manager.list()) {
    await store.serverEvents.append({ server_id: server.id, kind: "unclean_shutdown", detail, exit_code: null, signal: null, at });
  }
}

/** The gateway's settings a config asks for (the defaults when it has no `gateway` section); the separator applies at a start. */
function gatewayOf(config: ConfigFile): GatewayConfig {
  return config.gateway ?? GatewayConfigSchema.parse({});
}

/** Logs the profiles' server ids that no registered server has: a warning, since one may be added later. */
function warnOfMissingProfileServers(config: ConfigFile, manager: McpManager, logger: Logger): void {
  const registered = new Set(manager.list().map((server) => server.id));
  for (const warning of profileServerWarnings(gatewayOf(config).profiles, registered)) logger.warn(warning);
}

/** The rug-pull quarantine's settings a config asks for; they apply at a start. */
function approvalSettingsOf(config: ConfigFile): ToolApprovalSettings {
  const gateway = gatewayOf(config);
  return { approveChanges: gateway.approve_changes, maxDescriptionLength: gateway.max_description_length };
}

/** The quarantine's settings that differ between the running config and a reloaded one. */
function approvalSettingsChanged(running: ConfigFile, next: ConfigFile): string[] {
  const [before, after] = [approvalSettingsOf(running), approvalSettingsOf(next)];
  return [
    ...(before.approveChanges === after.approveChanges ? [] : ["gateway.approve_changes"]),
    ...(before.maxDescriptionLength === after.maxDescriptionLength ? [] : ["gateway.max_description_length"]),
  ];
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the daemon's ${what} exists once start() has run`);
  return value;
}

export async function createDaemon(options: DaemonOptions): Promise<Daemon> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(options.logLevel ? { level: options.logLevel } : {});
  const dataDir = resolve(options.dataDir);
  const configPath = resolve(options.configPath);
  const { previousMode } = securePrivateDir(dataDir);
  if (previousMode !== null) {
    logger.warn({ path: dataDir, was: previousMode.toString(8), now: "700" }, "the data directory was readable by other users; made it private to this user");
  }
  const environment = options.environment ?? process.env;
  const initialText = await ensureConfigFile(configPath, dataDir, logger);
  const config = parseConfigText(initialText, configPath);
  await warnIfSecretsExposed(configPath, config, logger);
  let configStatus: ConfigReloadStatus = { file: configPath, result: "ok", at: clock.now(), problems: [] };

  const lock: DataDirLock = lockDataDir(dataDir);
  let store: Store | undefined;
  try {
    store = openStore(dataDir, clock, { environment });
    const { encrypted } = await store.secrets.prepare();
    if (encrypted > 0) logger.info({ count: encrypted }, "encrypted secrets stored in plaintext by an older version");
  } catch (error) {
    store?.close();
    lock.release();
    throw error;
  }
  const bus = new InProcessBus(logger.child({ module: "bus" }));
  // Agents ask each other over it (the gateway's pygent__ask_agent; each agent answers on its subject).
  const requests = new RequestReply(clock);
  const manager = createMcpManager({
    clock,
    bus,
    store,
    logger,
    environment,
    daemonInstance: newId(),
    // Installed servers' secrets live in the store, outside the config file.
    secrets: store.secrets,
    network: config.network ?? STRICT_NETWORK_POLICY,
  });
  let alerts: AlertService;
  try {
    // Built here, not in start(): a bad channel in the config file is reported before anything runs.
    alerts = createAlertService({
      bus,
      store,
      clock,
      logger,
      config: config.alerts,
      environment,
      categoryOf: (id) => manager.categoryOf(id),
      // Asked in alerts.start(), after manager.start() has registered the API servers too.
      serverExists: (id) => manager.list().some((server) => server.id === id),
    });
  } catch (error) {
    store.close();
    lock.release();
    throw error;
  }
  await manager.applyConfig(config.servers);
  let network: NetworkPolicy = config.network ?? STRICT_NETWORK_POLICY;
  let ragConfig: RagConfig = config.rag ?? RagConfigSchema.parse({});
  // The default embedder needs no model: the index and memory work on any machine.
  const embedder = new HashedEmbedder();
  const rag = createRagService({
    repository: store.rag,
    embedder,
    clock,
    logger: logger.child({ module: "rag" }),
    config: () => ragConfig,
    network: () => network,
  });
  const memory = new MemoryManager({ repository: store.memory, embedder, clock });
  const startedAt = clock.now();
  let healthConfig: HealthConfig = config.health ?? HealthConfigSchema.parse({});
  let services: Services | undefined;
  let discoveryLoaded: Promise<unknown> | undefined;
  // A registry slow to answer must not hold up shutdown.
  const loadAbort = new AbortController();
  let app: FastifyInstance | undefined;
  let gateway: Gateway | undefined;
  let evolution: EvolutionService | undefined;
  let agents: AgentFactory | undefined;
  let models: ChatModels | undefined;

  let watcher: ConfigWatcher | undefined;
  let stopping: Promise<void> | undefined;
  let security: SecurityConfig | undefined = config.security;
  let gatewayConfig = config.gateway;
  const audit = createAuditService({
    repository: store.audit,
    clock,
    logger,
    retentionDays: () => security?.audit_retention_days ?? DEFAULT_AUDIT_RETENTION_DAYS,
  });
  const daemonActor = { id: null, name: "daemon" };
  // The one AuthState of the daemon: the app's guards ask it too.
  const authState = createAuthState({ repository: store.authState, clock, audit, bindHost: options.host, security: () => security });
  /** A bind beyond loopback or the config turn the persisted switch on, so it stays on after a restart on loopback. */
  const enforceAuthConfig = async (): Promise<void> => {
    for (const reason of authRequiredBy(options.host, security)) {
      await authState.turnOn(daemonActor, reason === "non_loopback_bind" ? `listening on ${options.host}` : "security.require_token_on_loopback");
    }
  };

  const startAll = async (): Promise<DaemonStarted> => {
    if (!isLoopback(options.host) && (await store.tokens.countActive(clock.now())) === 0) {
      throw new AppError(
        "CONFIG_INVALID",
        `refusing to listen on ${options.host} without API tokens: anyone on the network could control your servers. ` +
          "Create one first with `pygent token create --role admin`, or bind 127.0.0.1.",
      );
    }
    await checkPortFree(options.host, options.port);
    await enforceAuthConfig();
    audit.start();
    // Orphans are ended and stored servers registered before anything can reach the API; the
    // servers themselves start once it listens, so it answers (listing them as starting) at once.
    await manager.prepare();
    if (lock.unclean) await recordUncleanShutdown(lock.unclean, manager, store, startedAt, logger);
    services = await createServices({
      config,
      dataDir,
      manager,
      store,
      bus,
      logger,
      clock,
      environment,
      startedAt,
      healthConfig: () => healthConfig,
      alerts,
      rag,
      memory,
      agentFigures: async () => agents?.figures(),
    });
    const { health, systemHealth, discovery, metrics } = services;
    // After manager.prepare(), which ended the install commands a killed daemon left running.
    await discovery.installs.removeInterrupted();
    // The catalog loads once the servers' starts have settled, so that reading or rebuilding it
    // does not compete with them, or earlier at the first discovery request, which waits for it.
    // A missing or corrupt cache is rebuilt, never fatal.
    const loadCatalog = (): Promise<unknown> =>
      (discoveryLoaded ??= discovery
        .load({ signal: loadAbort.signal })
        .catch((error: unknown) => logger.error({ err: error }, "discovery catalog failed to load")));
    const discoveryServices = { catalog: discovery.catalog, installs: discovery.installs, loaded: loadCatalog };
    // The gateway's MCP server SDK and HTTP transport load with its first client, not here.
    const { createGateway } = await import("../gateway/index.js");
    const { separator, profiles, tools } = gatewayOf(config);
    // Registered by now: the config file's servers and those added through the API or installed.
    warnOfMissingProfileServers(config, manager, logger);
    gateway = createGateway({
      manager,
      bus,
      clock,
      logger,
      version: VERSION,
      separator,
      profiles,
      tools,
      services: { health, discovery: discoveryServices, alerts, rag, requests },
      approvals: { repository: store.toolApprovals, settings: approvalSettingsOf(config) },
    });
    // Agents use the gateway like any client; the models are the config's llm providers (no request is sent until a run).
    const [{ createAgentFactory }, { createChatModels }] = await Promise.all([import("../agents/index.js"), import("../llm/index.js")]);
    models = createChatModels(config.llm, environment);
    agents = createAgentFactory({
      repository: store.agents,
      bus,
      clock,
      logger,
      gateway,
      audit,
      models: () => started(models, "models"),
      memory,
      retrieval: retrievalPort(rag),
      requests,
    });
    await agents.restore();
    const { agentKind, DEFAULT_RETRIEVAL_GENES, EvolutionService, retrievalKind } = await import("../agents/evolution/index.js");
    // Retrieval settings are scored by the documents (by name) a search with them finds.
    const searchDocuments = async (query: string, settings: RetrievalGenes): Promise<string[]> => {
      const { hits } = await rag.search({ q: query, mode: settings.mode, limit: settings.limit, rrf_k: settings.rrf_k });
      return [...new Set(hits.map((hit) => hit.document_name))];
    };
    evolution = new EvolutionService({
      repository: store.evolution,
      clock,
      bus,
      logger: logger.child({ module: "evolution" }),
      kinds: { retrieval: retrievalKind(searchDocuments, DEFAULT_RETRIEVAL_GENES), agent: agentKind(agents) },
    });
    await evolution.recover();
    const { buildApp, defaultWebRoot } = await import("../api/app.js");
    app = await buildApp({
      manager,
      store,
      logger,
      clock,
      version: VERSION,
      startedAt,
      bind: { host: options.host, port: options.port },
      allowedHosts: options.allowedHosts ?? [],
      alerts,
      health: { monitor: health, system: systemHealth },
      discovery: discoveryServices,
      bus,
      metrics,
      audit,
      authState,
      security: () => security,
      configStatus: () => configStatus,
      webRoot: defaultWebRoot(),
      gateway,
      gatewayConfig: () => gatewayConfig,
      evolution,
      rag,
      memory,
      agents,
      requests,
    });
    await app.listen({ host: options.host, port: options.port });
    const settled = whenStartsSettle(manager, bus, CATALOG_LOAD_DEFER_MAX_MS);
    await manager.start();
    await health.start();
    // After the health monitor (it publishes what alerts evaluate); stopped before it.
    await alerts.start();
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    // Recorded so that `pygent auth off` (another process) can refuse while this bind or the config force auth on.
    const since = clock.now();
    const recordBind = () =>
      store.authState.recordDaemon({
        host: options.host,
        port,
        pid: process.pid,
        requires_auth: authRequiredBy(options.host, security).length > 0,
        since,
      });
    await recordBind();
    void settled.then(() => (loadAbort.signal.aborted ? undefined : loadCatalog()));
    watcher = watchConfigFile({
      path: configPath,
      initialText,
      logger: logger.child({ module: "config" }),
      onChange: async (next) => {
        configStatus = { file: configPath, result: "ok", at: clock.now(), problems: [] };
        await warnIfSecretsExposed(configPath, next, logger);
        network = next.network ?? STRICT_NETWORK_POLICY;
        manager.setNetworkPolicy(network);
        ragConfig = next.rag ?? RagConfigSchema.parse({});
        const result = await manager.applyConfig(next.servers);
        const alertsRestart = alerts.applyConfig(next.alerts);
        healthConfig = next.health ?? HealthConfigSchema.parse({});
        health.updateConfig(healthConfig);
        security = next.security;
        gatewayConfig = next.gateway;
        models = createChatModels(next.llm, environment);
        // Recorded first: once the switch is on, `pygent auth off` must already see why it stays on.
        await recordBind();
        await enforceAuthConfig();
        // New or changed registries are listed now, before the reload is reported done.
        const discoveryRestart = await discovery.applyConfig(next.discovery, { signal: loadAbort.signal });
        gateway?.applyConfig(gatewayOf(next));
        warnOfMissingProfileServers(next, manager, logger);
        const gatewayRestart = gatewayOf(next).separator === gatewayOf(config).separator ? [] : ["gateway.separator"];
        const restartRequired = [...alertsRestart, ...discoveryRestart, ...gatewayRestart, ...approvalSettingsChanged(config, next)];
        const details = { ...result, restart_required: restartRequired };
        await audit.record({ actor: LOCAL_ACTOR, action: "config.reload", target: configPath, ok: true, details });
        if (restartRequired.length > 0) {
          logger.warn(details, "config reloaded; some changes apply only after a restart of the daemon");
        } else logger.info(result, "config reloaded");
        bus.publish({ type: "config_reloaded", path: configPath, ...details, at: configStatus.at });
      },
      onRejected: (problems) => {
        configStatus = { file: configPath, result: "rejected", at: clock.now(), problems };
        void audit.record({ actor: LOCAL_ACTOR, action: "config.reload", target: configPath, ok: false, error_code: "CONFIG_INVALID", details: { problems } });
        bus.publish({ type: "config_rejected", path: configPath, problems, at: configStatus.at });
      },
    });
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    return { url: `http://${host}:${port}`, settled };
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      watcher?.close();
      await watcher?.settled();
      loadAbort.abort();
      // Installs under way are cancelled and rolled back first, so their requests get an answer.
      await discoveryLoaded;
      await services?.discovery.close();
      // Before the app: a request waiting for its run would hold the app's close.
      await agents?.close();
      await app?.close();
      await gateway?.close();
      await evolution?.close();
      // A broken database must not stop the shutdown; a record left behind names a dead pid, which the CLI ignores.
      await store.authState.clearDaemon(process.pid).catch(() => undefined);
      audit.stop();
      await alerts.stop();
      await services?.health.stop();
      await manager.stop();
      services?.metrics.prometheus.stop();
      services?.metrics.summary.stop();
      services?.metrics.activity.stop();
      bus.close();
      store.close();
      lock.release();
    })();
    return stopping;
  };

  return {
    manager,
    store,
    bus,
    alerts,
    rag,
    memory,
    get health() {
      return started(services, "health monitor").health;
    },
    get discovery() {
      return started(services, "discovery").discovery;
    },
    get agents() {
      return started(agents, "agent factory");
    },
    get app() {
      return app;
    },
    configPath,
    dataDir,
    async start() {
      try {
        return await startAll();
      } catch (error) {
        await stop();
        throw error;
      }
    },
    kill() {
      manager.killAll();
    },
    stop,
  };
}
