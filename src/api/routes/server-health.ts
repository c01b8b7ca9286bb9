/**
 * /api/v1/mcp/servers/{id}/health: a server's current health (with its latency trend), its
 * history at the right resolution, and "check now"; .../capabilities/changes: what it added,
 * removed and changed in what it serves. Handlers parse, call the HealthMonitor and
 * return its answer; the wire schemas sit here with the routes.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Clock } from "../../core/clock.js";
import { AppError } from "../../core/errors.js";
import { InstantSchema } from "../../core/instant.js";
import { HEALTH_STATUSES, type HealthMonitor } from "../../health/index.js";
import { errorResponses, limitQuerySchema, ServerIdParamsSchema } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export interface ServerHealthRoutesOptions {
  monitor: HealthMonitor;
  clock: Clock;
}

const tags = ["health"];
const HOUR_MS = 3_600_000;

const HistoryQuerySchema = z
  .object({
    from: InstantSchema.optional().meta({ description: "Start (inclusive); default one hour before `to`" }),
    to: InstantSchema.optional().meta({ description: "End (exclusive); default now" }),
    resolution: z
      .enum(["auto", "raw", "minute", "hour"])
      .default("auto")
      .meta({ description: "raw samples, minute or hour rollups; auto picks by span and retention" }),
  })
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "must be before to" });
    }
  });

const LevelsSchema = z.object({ warning: z.number(), critical: z.number() });

const MetricsSchema = z.object({
  response_time_ms: z.number().nullable(),
  cpu_percent: z.number().nullable(),
  memory_mb: z.number().nullable(),
  error_rate: z.number().nullable().describe("Percent of failed probes and tool calls over the error window"),
  consecutive_failures: z.number().int(),
  uptime_1h: z.number().nullable().describe("Percent of successful checks"),
  uptime_24h: z.number().nullable(),
  uptime_7d: z.number().nullable(),
});

const TrendSchema = z.object({
  server_id: z.string(),
  window_ms: z.number(),
  points: z.number().int(),
  slope_ms_per_hour: z.number().nullable(),
  first_half_avg_ms: z.number().nullable(),
  second_half_avg_ms: z.number().nullable(),
  change_percent: z.number().nullable(),
  direction: z.enum(["rising", "falling", "flat", "unknown"]),
});

const ServerHealthSchema = z
  .object({
    server_id: z.string(),
    status: z.enum(HEALTH_STATUSES),
    reasons: z.array(z.string()).describe('Why, e.g. "response_time 1240 ms > warning 1000 ms"'),
    metrics: MetricsSchema,
    server_state: z.string(),
    checked_at: z.number().nullable(),
    next_check_at: z.number().nullable(),
    check_interval_s: z.number(),
    response_method: z.enum(["ping", "list"]).nullable(),
    thresholds: z.object({
      response_time_ms: LevelsSchema,
      cpu_percent: LevelsSchema,
      memory_mb: LevelsSchema,
      error_rate: LevelsSchema,
      consecutive_failures: LevelsSchema,
    }),
    capabilities: z
      .object({
        fingerprint: z.string(),
        tools: z.number().int(),
        resources: z.number().int(),
        prompts: z.number().int(),
        changed_at: z.number().nullable(),
      })
      .nullable(),
  })
  .meta({ description: "A server's health" });

export const CurrentHealthSchema = ServerHealthSchema.extend({ trend: TrendSchema.describe("Latency trend over the last hour") });

const RawPointSchema = z.object({
  at: z.number(),
  status: z.string(),
  ok: z.boolean(),
  response_time_ms: z.number().nullable(),
  cpu_percent: z.number().nullable(),
  memory_mb: z.number().nullable(),
  error: z.string().nullable(),
});

const RollupPointSchema = z.object({
  at: z.number().describe("Start of the minute or hour"),
  count: z.number().int(),
  failures: z.number().int(),
  uptime: z.number(),
  latency_min: z.number().nullable(),
  latency_avg: z.number().nullable(),
  latency_p95: z.number().nullable(),
  latency_max: z.number().nullable(),
  cpu_avg: z.number().nullable(),
  memory_avg: z.number().nullable(),
  memory_max: z.number().nullable(),
});

export const HistorySchema = z
  .object({
    server_id: z.string(),
    from: z.number(),
    to: z.number(),
    resolution: z.enum(["raw", "minute", "hour"]),
    truncated: z.boolean(),
    points: z.union([z.array(RawPointSchema), z.array(RollupPointSchema)]),
  })
  .meta({ description: "A server's health over time" });

const CapabilityRefSchema = z.object({ kind: z.enum(["tool", "resource", "prompt"]), name: z.string() });

export const CapabilityChangesSchema = z
  .object({
    server_id: z.string(),
    changes: z.array(
      z.object({
        at: z.number(),
        previous_fingerprint: z.string(),
        fingerprint: z.string(),
        added: z.array(CapabilityRefSchema),
        removed: z.array(CapabilityRefSchema),
        changed: z.array(CapabilityRefSchema.extend({ fields: z.array(z.string()).describe('Which fields differ, e.g. ["description"]') })),
      }),
    ),
  })
  .meta({ description: "Changes in what a server serves, newest first" });

export const serverHealthRoutes: FastifyPluginAsync<ServerHealthRoutesOptions> = async (plugin, { monitor, clock }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/mcp/servers/:id/health",
    {
      schema: {
        tags,
        summary: "A server's current health",
        params: ServerIdParamsSchema,
        response: { 200: CurrentHealthSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const current = monitor.current(request.params.id);
      return { ...current, trend: await monitor.trend(request.params.id, HOUR_MS) };
    },
  );

  app.get(
    "/mcp/servers/:id/health/history",
    {
      schema: {
        tags,
        summary: "A server's health history",
        description: "Raw samples, or minute/hour rollups (count, failures, min/avg/p95/max latency, CPU, memory).",
        params: ServerIdParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: HistorySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { from, to, resolution } = request.query;
      const end = to ?? clock.now();
      const start = from ?? end - HOUR_MS;
      if (start >= end) {
        const issue = { field: "from", message: "must be before to (now when to is not given)" };
        throw new AppError("VALIDATION_FAILED", `${issue.field}: ${issue.message}`, { issues: [issue] });
      }
      return monitor.history(request.params.id, { from: start, to: end, resolution });
    },
  );

  app.post(
    "/mcp/servers/:id/health/check",
    {
      schema: {
        tags,
        summary: "Check a server's health now",
        params: ServerIdParamsSchema,
        response: { 200: ServerHealthSchema, ...errorResponses(400, 401, 403, 404) },
      },
      config: { role: "operator" },
    },
    async (request) => monitor.checkNow(request.params.id),
  );

  app.get(
    "/mcp/servers/:id/capabilities/changes",
    {
      schema: {
        tags,
        summary: "Changes in a server's tools, resources and prompts, newest first",
        description: "Each change the health checks saw in what the server serves, kept for `retention.capability_changes_days`.",
        params: ServerIdParamsSchema,
        querystring: limitQuerySchema(50),
        response: { 200: CapabilityChangesSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return { server_id: id, changes: await monitor.capabilityChanges(id, request.query.limit) };
    },
  );
};
