/**
 * System health for /api/v1/health and its components: database, agents, mcp, memory, rag and
 * ollama, each with a status, the reasons for it and details. Every component reports what is
 * really there: a part the daemon runs without says so (the agent factory, the retrieval system
 * and the Memory Manager report their figures when the daemon passes them in).
 *
 * Overall status: the worst of the essential components (database, mcp, memory), by the one rule
 * of status.ts (`overallOf`: `offline` reported as `critical`). The optional ones
 * (agents, rag, ollama) count only once they are set up — Ollama when the config names its URL
 * or a model, the retrieval system when the daemon runs one — and then lower it to `warning` at most, so a
 * machine without Ollama or RAG is not reported as broken.
 */
import { getHeapStatistics } from "node:v8";
import type { HealthStatus } from "../bus/events.js";
import type { HealthConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { McpManager } from "../mcp/manager-types.js";
import type { Store } from "../store/store.js";
import type { HealthMonitor } from "./monitor.js";
import { checkOllama } from "./ollama-check.js";
import { HEALTH_STATUSES, overallOf, statusRank, worstOf } from "./status.js";
import {
  SYSTEM_COMPONENTS,
  type ComponentHealth,
  type MemoryManagerFigures,
  type RagHealthFigures,
  type SystemComponent,
  type SystemHealthReport,
} from "./system-health-types.js";

export interface SystemHealthDeps {
  store: Pick<Store, "ping" | "info">;
  manager: Pick<McpManager, "list">;
  monitor: Pick<HealthMonitor, "list">;
  clock: Clock;
  version: string;
  /** When the daemon started, ms since the epoch. */
  startedAt: number;
  /** Read at each call, so a reloaded config applies. */
  config: () => HealthConfig;
  memoryUsage?: () => NodeJS.MemoryUsage;
  /** The retrieval system's figures; without them the rag component says it is not set up. */
  rag?: () => Promise<RagHealthFigures>;
  /** The Memory Manager's figures, reported as the memory component's `memory_manager`. */
  memoryManager?: () => Promise<MemoryManagerFigures>;
  /** The Agent Factory's figures; without them the factory is reported as not enabled. */
  agents?: () => Promise<AgentFactoryFigures | undefined>;
}

/** What the Agent Factory reports of itself (src/agents computes them; the daemon passes them in). */
export interface AgentFactoryFigures {
  factory_enabled: boolean;
  total: number;
  /** Agents running a task now. */
  active: number;
  /** Agents in their error state (their model could not be used). */
  errored: number;
  by_type: Record<string, number>;
  by_state: Record<string, number>;
  providers: string[];
  default_provider: string | null;
}

export interface SystemHealth {
  report(): Promise<SystemHealthReport>;
  component(name: SystemComponent): Promise<ComponentHealth>;
}

const ESSENTIAL = new Set<SystemComponent>(["database", "mcp", "memory"]);

/** A query slower than this on a local SQLite file means the disk or the database is struggling. */
const SLOW_QUERY_MS = 100;
/** Share of a memory limit at which the memory component warns. */
const MEMORY_WARNING_SHARE = 0.8;

const MB = 1024 * 1024;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export const DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434";

/**
 * The overall status from the components, by the rule in this module's header. `configured`
 * names the optional components that are set up; the others are reported but not counted.
 */
export function overallStatus(
  components: Record<SystemComponent, ComponentHealth>,
  configured: ReadonlySet<SystemComponent>,
): HealthStatus {
  const counted: HealthStatus[] = [];
  for (const name of SYSTEM_COMPONENTS) {
    const { status } = components[name];
    if (ESSENTIAL.has(name)) counted.push(status);
    else if (configured.has(name) && status !== "unknown") {
      counted.push(statusRank(status) > statusRank("warning") ? "warning" : status);
    }
  }
  return overallOf(counted);
}

/** Whole seconds since the daemon started. */
export function uptimeSeconds(clock: Clock, startedAt: number): number {
  return Math.max(0, Math.floor((clock.now() - startedAt) / 1000));
}

/** Optional components the config sets up (agents always: it reports a real count). */
function configuredComponents(config: HealthConfig, withRag: boolean): Set<SystemComponent> {
  const out = new Set<SystemComponent>(["agents"]);
  if (config.ollama_url !== undefined || config.ollama_model !== undefined) out.add("ollama");
  if (withRag) out.add("rag");
  return out;
}

export function createSystemHealth(deps: SystemHealthDeps): SystemHealth {
  const checks: Record<SystemComponent, () => Promise<ComponentHealth>> = {
    database: () => databaseHealth(deps.store),
    agents: async () => agentsHealth(deps.agents ? await deps.agents() : undefined),
    mcp: async () => mcpHealth(deps.manager, deps.monitor),
    memory: async () =>
      memoryHealth(deps.config().rss_limit_mb, deps.memoryUsage ?? (() => process.memoryUsage()), deps.memoryManager ? await deps.memoryManager() : null),
    rag: async () => ragHealth(deps.rag ? await deps.rag() : undefined),
    ollama: async () => {
      const config = deps.config();
      const health = await checkOllama({
        url: config.ollama_url ?? DEFAULT_OLLAMA_URL,
        model: config.ollama_model,
      });
      return { ...health, details: { ...health.details, configured: configuredComponents(config, false).has("ollama") } };
    },
  };

  async function component(name: SystemComponent): Promise<ComponentHealth> {
    try {
      return await checks[name]();
    } catch (error) {
      // A component check that breaks is itself news, not a 500 for the whole report.
      return { status: "critical", reasons: [`health check failed: ${errorMessage(error)}`], details: {} };
    }
  }

  return {
    component,
    async report() {
      const results = await Promise.all(SYSTEM_COMPONENTS.map((name) => component(name)));
      const components = Object.fromEntries(SYSTEM_COMPONENTS.map((name, index) => [name, results[index]])) as Record<
        SystemComponent,
        ComponentHealth
      >;
      return {
        status: overallStatus(components, configuredComponents(deps.config(), deps.rag !== undefined)),
        version: deps.version,
        uptime_s: uptimeSeconds(deps.clock, deps.startedAt),
        components,
      };
    },
  };
}

export async function databaseHealth(store: Pick<Store, "ping" | "info">): Promise<ComponentHealth> {
  try {
    const { latency_ms } = await store.ping();
    const info = await store.info();
    const details = {
      reachable: true,
      kind: info.kind,
      latency_ms: round(latency_ms, 3),
      size_bytes: info.size_bytes,
      wal_bytes: info.wal_bytes,
      schema_version: info.schema_version,
      write_fault: info.write_fault,
    };
    if (info.write_fault) {
      const since = new Date(info.write_fault.since).toISOString();
      return {
        status: "critical",
        reasons: [`storage full: writes refused since ${since} (${info.write_fault.reason}); reads still work; free space in the data directory`],
        details,
      };
    }
    if (latency_ms > SLOW_QUERY_MS) {
      return { status: "warning", reasons: [`query latency ${round(latency_ms)} ms > warning ${SLOW_QUERY_MS} ms`], details };
    }
    return { status: "healthy", reasons: [], details };
  } catch (error) {
    return {
      status: "offline",
      reasons: [`database unreachable: ${errorMessage(error)}`],
      details: { reachable: false, latency_ms: null, size_bytes: null, wal_bytes: null, error: errorMessage(error) },
    };
  }
}

/**
 * The Agent Factory: healthy while no agent is in its error state, a warning naming how many are;
 * reported as not enabled (healthy, zero agents: the true count) in an app built without it.
 */
export function agentsHealth(figures: AgentFactoryFigures | undefined): ComponentHealth {
  if (!figures) {
    return { status: "healthy", reasons: [], details: { factory_enabled: false, total: 0, active_agents: 0, errored: 0, detail: "the agent factory is not enabled" } };
  }
  const details = { ...figures, active_agents: figures.active };
  if (figures.errored > 0) {
    return { status: "warning", reasons: [`${figures.errored} of ${figures.total} agents are in their error state (their model could not be used)`], details };
  }
  return { status: "healthy", reasons: [], details };
}

/** Healthy with its figures; a warning while the index holds another embedder's vectors (vector search refused). */
export function ragHealth(figures?: RagHealthFigures): ComponentHealth {
  if (!figures) return { status: "unknown", reasons: ["retrieval system not configured"], details: { configured: false } };
  const details = {
    configured: true,
    documents: figures.documents,
    chunks: figures.chunks,
    embedder: figures.embedder,
    index_embedder: figures.index_embedder,
    index_size_bytes: figures.index_bytes,
    last_ingest_at: figures.last_ingest_at,
  };
  if (figures.index_embedder !== null && figures.index_embedder !== figures.embedder) {
    return {
      status: "warning",
      reasons: [`the index holds vectors of ${figures.index_embedder}, not ${figures.embedder}: vector search is refused until \`pygent rag reindex\``],
      details,
    };
  }
  return { status: "healthy", reasons: [], details };
}

/**
 * Critical when every enabled server is critical or offline; a warning when any of them is
 * not healthy (unknown ones, not checked yet, are not held against it); healthy otherwise.
 */
export function mcpHealth(manager: Pick<McpManager, "list">, monitor: Pick<HealthMonitor, "list">): ComponentHealth {
  const views = new Map(manager.list().map((view) => [view.id, view]));
  const healths = monitor.list();
  const byStatus = Object.fromEntries(HEALTH_STATUSES.map((status) => [status, 0])) as Record<HealthStatus, number>;
  const servers = healths.map((health) => {
    const view = views.get(health.server_id);
    byStatus[health.status] += 1;
    return {
      id: health.server_id,
      name: view?.name ?? health.server_id,
      enabled: view?.enabled ?? true,
      state: health.server_state,
      status: health.status,
      reasons: health.reasons,
      response_time_ms: health.metrics.response_time_ms,
      cpu_percent: health.metrics.cpu_percent,
      memory_mb: health.metrics.memory_mb,
      uptime_24h: health.metrics.uptime_24h,
      checked_at: health.checked_at,
    };
  });
  const enabled = servers.filter((server) => server.enabled);
  const bad = enabled.filter((server) => server.status === "critical" || server.status === "offline");
  const notHealthy = enabled.filter((server) => server.status !== "healthy" && server.status !== "unknown");
  const details = {
    total: servers.length,
    enabled: enabled.length,
    running: enabled.filter((server) => server.state === "running").length,
    by_status: byStatus,
    servers,
  };
  if (enabled.length > 0 && bad.length === enabled.length) {
    return { status: "critical", reasons: [`no enabled MCP server is up (${bad.length} critical or offline)`], details };
  }
  if (notHealthy.length > 0) {
    return {
      status: "warning",
      reasons: notHealthy.map((server) => `${server.id} is ${server.status}${server.reasons[0] ? `: ${server.reasons[0]}` : ""}`),
      details,
    };
  }
  return { status: "healthy", reasons: [], details };
}

export function memoryHealth(
  rssLimitMb: number,
  memoryUsage: () => NodeJS.MemoryUsage,
  memoryManager: MemoryManagerFigures | null = null,
): ComponentHealth {
  const usage = memoryUsage();
  const heapLimit = getHeapStatistics().heap_size_limit;
  const rssMb = usage.rss / MB;
  const heapShare = heapLimit > 0 ? usage.heapUsed / heapLimit : 0;
  const details = {
    rss_mb: round(rssMb),
    rss_limit_mb: rssLimitMb,
    rss_percent: round((rssMb / rssLimitMb) * 100),
    heap_used_mb: round(usage.heapUsed / MB),
    heap_total_mb: round(usage.heapTotal / MB),
    heap_limit_mb: round(heapLimit / MB),
    heap_percent: round(heapShare * 100),
    external_mb: round(usage.external / MB),
    // Agents' memory (the Memory Manager): null in an app built without one.
    memory_manager: memoryManager,
  };
  const reasons: string[] = [];
  let status: HealthStatus = "healthy";
  if (rssMb >= rssLimitMb) {
    status = "critical";
    reasons.push(`rss ${round(rssMb)} MB >= limit ${rssLimitMb} MB`);
  } else if (rssMb >= rssLimitMb * MEMORY_WARNING_SHARE) {
    status = "warning";
    reasons.push(`rss ${round(rssMb)} MB > warning ${round(rssLimitMb * MEMORY_WARNING_SHARE)} MB (80 % of ${rssLimitMb} MB)`);
  }
  if (heapShare >= MEMORY_WARNING_SHARE) {
    status = worstOf([status, "warning"]);
    reasons.push(`heap ${round(usage.heapUsed / MB)} MB is ${round(heapShare * 100)} % of the ${round(heapLimit / MB)} MB heap limit`);
  }
  return { status, reasons, details };
}
