/**
 * Metrics for other tools: `GET /metrics` (Prometheus text exposition, for scrapers) and
 * `GET /api/v1/metrics` (a JSON summary for the orchestration view), `GET /api/v1/metrics/activity`
 * (the Overview's activity, as the /ws `metrics` topic sends it). The figures are gathered by
 * the health domain (metrics-prometheus.ts, metrics-summary.ts); these handlers only render them.
 *
 * /metrics sits outside /api, so it carries its own token check: the same rule as /api (a viewer
 * token once tokens exist, `Authorization: Bearer`). The Host/Origin guard covers it like any route.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { HEALTH_STATUSES, type MetricsServices } from "../../health/index.js";
import type { Authenticator } from "../auth/auth-guard.js";
import { routeTokenGuard } from "../auth/route-token-guard.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";
import type { HubStats } from "../ws/event-hub.js";

export interface PrometheusRouteOptions {
  metrics: MetricsServices;
  auth: Authenticator;
}

export const prometheusRoute: FastifyPluginAsync<PrometheusRouteOptions> = async (app, options) => {
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["metrics"],
        summary: "Prometheus metrics (text exposition format 0.0.4)",
        description:
          "pygent_server_up, pygent_server_health_status (state set), pygent_server_probe_duration_seconds, " +
          "pygent_server_cpu_percent, pygent_server_memory_bytes, pygent_server_restarts_total, pygent_alerts_firing, " +
          "pygent_tool_calls_total, pygent_tool_call_errors_total, and the daemon's process_* and nodejs_* metrics.",
      },
      onRequest: routeTokenGuard(options.auth, { role: "viewer" }),
    },
    async (_request, reply) => {
      const text = await options.metrics.prometheus.render();
      return reply.type(options.metrics.prometheus.contentType).send(text);
    },
  );
};

const HealthStatusSchema = z.enum(HEALTH_STATUSES);
const countsByStatus = z.object(Object.fromEntries(HEALTH_STATUSES.map((status) => [status, z.number().int()])) as Record<
  (typeof HEALTH_STATUSES)[number],
  z.ZodNumber
>);

export const MetricsSummaryResponseSchema = z
  .object({
    at: z.number(),
    health: z.object({
      status: HealthStatusSchema.describe("The MCP servers' overall status (as /api/v1/health/mcp)"),
      reasons: z.array(z.string()),
      servers: z.number().int(),
      running: z.number().int(),
      by_status: countsByStatus,
    }),
    performance: z.object({
      response_time_ms: z
        .object({ avg: z.number().nullable(), p95: z.number().nullable(), samples: z.number().int() })
        .describe("Over each server's last 20 successful probes"),
      tool_calls: z
        .object({ total: z.number().int(), errors: z.number().int(), error_rate: z.number().nullable() })
        .describe("Since the daemon started; error_rate in percent"),
      restarts_last_hour: z.number().int(),
    }),
    daemon: z.object({
      uptime_s: z.number().int(),
      cpu_percent: z.number().describe("Percent of one core since the previous reading"),
      rss_bytes: z.number().int(),
      heap_used_bytes: z.number().int(),
      heap_total_bytes: z.number().int(),
    }),
    alerts: z.object({ firing: z.number().int(), by_severity: z.record(z.string(), z.number().int()) }),
    websocket: z
      .object({
        clients: z.number().int(),
        connected_total: z.number().int(),
        dropped_slow: z.number().int(),
        terminated_unresponsive: z.number().int(),
      })
      .optional()
      .describe("The /ws hub, when it runs"),
  })
  .meta({ description: "System-wide health and performance figures" });

export const ActivityResponseSchema = z
  .object({
    window_s: z.number().int().describe("The window the call figures cover, in seconds"),
    tool_calls: z.object({
      per_second: z.number().describe("Calls per second over the window"),
      calls: z.number().int().describe("Calls in the window (cancelled ones count as calls, not errors)"),
      errors: z.number().int(),
      error_rate: z.number().nullable().describe("Percent of the window's calls that failed; null without calls"),
      total: z.number().int().describe("Since the daemon started"),
    }),
    restarts_last_hour: z.number().int(),
    servers: z.object({ total: z.number().int(), running: z.number().int(), by_status: countsByStatus }),
    alerts_firing: z.number().int(),
    at: z.number(),
  })
  .meta({ description: "The daemon's activity: tool calls per second and error rate, restarts, servers by status, alerts firing" });

export interface MetricsSummaryRoutesOptions {
  metrics: MetricsServices;
  /** The /ws hub's counters, when it runs. */
  hubStats?: (() => HubStats) | undefined;
}

export const metricsSummaryRoutes: FastifyPluginAsync<MetricsSummaryRoutesOptions> = async (plugin, options) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["metrics"],
        summary: "Health and performance summary for the orchestration view",
        response: { 200: MetricsSummaryResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const summary = options.metrics.summary.summary();
      return options.hubStats ? { ...summary, websocket: options.hubStats() } : summary;
    },
  );
  app.get(
    "/metrics/activity",
    {
      schema: {
        tags: ["metrics"],
        summary: "The daemon's activity now (the /ws `metrics` topic sends the same every few seconds)",
        response: { 200: ActivityResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async () => options.metrics.summary.activity(),
  );
};
