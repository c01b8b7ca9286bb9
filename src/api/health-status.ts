/**
 * Health classification for GET /api/v1/health: pure rules turning what the manager and the
 * store report into the seed's statuses. Kept free of Fastify so it can move to src/health.
 *
 * Severity, for the overall status: healthy < unknown < warning < critical. `offline` counts as
 * critical: a component that is not there at all is at least as bad as one that is failing. The
 * overall status is therefore never `offline` itself.
 */
import type { ServerState } from "../bus/events.js";
import { errorMessage } from "../core/errors.js";
import type { ServerView } from "../mcp/manager-types.js";
import type { Store } from "../store/store.js";

export const HEALTH_STATUSES = ["healthy", "warning", "critical", "unknown", "offline"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

const SEVERITY: Record<HealthStatus, number> = { healthy: 0, unknown: 1, warning: 2, critical: 3, offline: 3 };

/** The worst of the statuses, `offline` reported as `critical`; healthy when there are none. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "healthy";
  for (const status of statuses) {
    const normalized = status === "offline" ? "critical" : status;
    if (SEVERITY[normalized] > SEVERITY[worst]) worst = normalized;
  }
  return worst;
}

const SERVER_STATES: readonly ServerState[] = ["stopped", "starting", "running", "backoff", "crash_loop", "failed", "stopping"];

export interface McpHealth {
  status: HealthStatus;
  details: {
    total: number;
    enabled: number;
    running: number;
    by_state: Record<ServerState, number>;
    servers: { id: string; state: ServerState; enabled: boolean; reason: string | null }[];
  };
}

/**
 * Only enabled servers count: all running (or none enabled) is healthy, some not running is a
 * warning, none running is critical. A server still `starting` is not running yet.
 */
export function summarizeMcp(servers: readonly Pick<ServerView, "id" | "state" | "enabled" | "reason">[]): McpHealth {
  const by_state = Object.fromEntries(SERVER_STATES.map((state) => [state, 0])) as Record<ServerState, number>;
  for (const server of servers) by_state[server.state] += 1;
  const enabled = servers.filter((server) => server.enabled);
  const running = enabled.filter((server) => server.state === "running").length;
  let status: HealthStatus = "healthy";
  if (enabled.length > 0 && running === 0) status = "critical";
  else if (running < enabled.length) status = "warning";
  return {
    status,
    details: {
      total: servers.length,
      enabled: enabled.length,
      running,
      by_state,
      servers: servers.map(({ id, state, enabled, reason }) => ({ id, state, enabled, reason })),
    },
  };
}

export interface DatabaseHealth {
  status: HealthStatus;
  details: {
    reachable: boolean;
    latency_ms: number | null;
    size_bytes: number | null;
    wal_bytes: number | null;
    error?: string;
  };
}

/** Pings the store and reads its size; an unreachable database is critical. */
export async function probeDatabase(store: Pick<Store, "ping" | "info">): Promise<DatabaseHealth> {
  try {
    const { latency_ms } = await store.ping();
    const info = await store.info();
    return {
      status: "healthy",
      details: {
        reachable: true,
        latency_ms: Math.round(latency_ms * 1000) / 1000,
        size_bytes: info.size_bytes,
        wal_bytes: info.wal_bytes,
      },
    };
  } catch (error) {
    return {
      status: "critical",
      details: { reachable: false, latency_ms: null, size_bytes: null, wal_bytes: null, error: errorMessage(error) },
    };
  }
}
