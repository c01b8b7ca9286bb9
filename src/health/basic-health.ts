/**
 * GET /api/v1/health when the app is assembled without the health monitor (the API alone, as an
 * embedder or a test builds it): the database and the servers' supervisor states. The database
 * check and the overall rule are the full report's own (system-health.ts, status.ts), so the
 * endpoint answers by one rule however the app is assembled.
 */
import type { HealthStatus, ServerState } from "../bus/events.js";
import type { Clock } from "../core/clock.js";
import type { McpManager, ServerView } from "../mcp/manager-types.js";
import type { Store } from "../store/store.js";
import { overallOf } from "./status.js";
import { databaseHealth, uptimeSeconds } from "./system-health.js";
import type { ComponentHealth } from "./system-health-types.js";

const SERVER_STATES: readonly ServerState[] = ["stopped", "starting", "running", "backoff", "crash_loop", "failed", "stopping"];

export interface McpStateHealth extends ComponentHealth {
  details: {
    total: number;
    enabled: number;
    running: number;
    by_state: Record<ServerState, number>;
    servers: { id: string; state: ServerState; enabled: boolean; reason: string | null }[];
  };
}

export interface BasicHealthReport {
  status: HealthStatus;
  version: string;
  uptime_s: number;
  components: { database: ComponentHealth; mcp: McpStateHealth };
}

export interface BasicHealthDeps {
  store: Pick<Store, "ping" | "info">;
  manager: Pick<McpManager, "list">;
  clock: Clock;
  version: string;
  /** When the daemon started, ms since the epoch. */
  startedAt: number;
}

/**
 * The servers by supervisor state. Only enabled servers count: all running (or none enabled) is
 * healthy, some not running is a warning, none running is critical. A server still `starting`
 * is not running yet.
 */
export function summarizeMcp(servers: readonly Pick<ServerView, "id" | "state" | "enabled" | "reason">[]): McpStateHealth {
  const by_state = Object.fromEntries(SERVER_STATES.map((state) => [state, 0])) as Record<ServerState, number>;
  for (const server of servers) by_state[server.state] += 1;
  const enabled = servers.filter((server) => server.enabled);
  const running = enabled.filter((server) => server.state === "running").length;
  let status: HealthStatus = "healthy";
  const reasons: string[] = [];
  if (enabled.length > 0 && running === 0) {
    status = "critical";
    reasons.push(`no enabled MCP server is running (${enabled.length} enabled)`);
  } else if (running < enabled.length) {
    status = "warning";
    reasons.push(`${enabled.length - running} of ${enabled.length} enabled MCP servers are not running`);
  }
  return {
    status,
    reasons,
    details: {
      total: servers.length,
      enabled: enabled.length,
      running,
      by_state,
      servers: servers.map(({ id, state, enabled, reason }) => ({ id, state, enabled, reason })),
    },
  };
}

export async function basicHealthReport(deps: BasicHealthDeps): Promise<BasicHealthReport> {
  const database = await databaseHealth(deps.store);
  const mcp = summarizeMcp(deps.manager.list());
  return {
    status: overallOf([database.status, mcp.status]),
    version: deps.version,
    uptime_s: uptimeSeconds(deps.clock, deps.startedAt),
    components: { database, mcp },
  };
}
