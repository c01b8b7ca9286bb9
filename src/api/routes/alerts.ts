/**
 * /api/v1/alerts: firing alerts and their history, acknowledgement, the channels' delivery state,
 * the alert rules (CRUD for rules created here; config-file and built-in rules are listed but
 * read-only), and silences and maintenance windows (created and expired early by operators). Handlers parse, call the AlertService, and shape the answer; the wire schemas sit
 * here with the routes.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { MaintenanceWindowSchema, NewSilenceSchema, SilenceMatcherSchema, type AlertService } from "../../alerts/index.js";
import {
  ALERT_COMPARISONS,
  ALERT_METRICS,
  ALERT_SEVERITIES,
  AlertRulePatchSchema,
  NewAlertRuleSchema,
} from "../../config/alerts-schema.js";
import { serverIdProblem } from "../../core/ids.js";
import { errorResponses, limitQuerySchema, ServerIdSchema } from "../schemas/common.js";
import { issueCode, type ZodTypeProvider } from "../validation.js";

export interface AlertRoutesOptions {
  alerts: AlertService;
}

const tags = ["alerts"];

const AlertIdParamsSchema = z.object({
  id: z.string().min(1, "must not be empty").max(128, "must be at most 128 characters").meta({ description: "Alert id" }),
});

const RuleIdParamsSchema = z.object({
  id: z
    .string()
    .superRefine((id, ctx) => {
      const problem = serverIdProblem(id);
      if (problem) ctx.addIssue({ code: "custom", message: problem, params: issueCode("INVALID_ID") });
    })
    .meta({ description: "Alert rule id" }),
});

const AlertListQuerySchema = limitQuerySchema(100).extend({
  state: z.enum(["firing", "resolved", "all"]).default("all").meta({ description: "Firing alerts, the history of resolved ones, or both" }),
  server_id: ServerIdSchema.optional(),
});

export const AlertRecordSchema = z
  .object({
    id: z.string(),
    rule_id: z.string(),
    server_id: z.string(),
    state: z.enum(["firing", "resolved"]),
    severity: z.enum(ALERT_SEVERITIES),
    summary: z.string(),
    started_at: z.number(),
    resolved_at: z.number().nullable(),
    acked_at: z.number().nullable(),
    acked_by: z.string().nullable(),
    last_notified_at: z.number().nullable(),
    labels: z.record(z.string(), z.string()),
    silenced_by: z.string().nullable().meta({ description: "The silence holding back this firing alert's notifications now; null when none is" }),
  })
  .meta({ description: "An alert: one firing episode of a rule on a server" });

const SilenceIdParamsSchema = z.object({
  id: z.string().min(1, "must not be empty").max(128, "must be at most 128 characters").meta({ description: "Silence id" }),
});

const SilenceListQuerySchema = z.object({
  state: z
    .enum(["active", "pending", "expired", "all"])
    .default("all")
    .meta({ description: "Silences holding now, ones that will hold later (not started, or between maintenance windows), ended ones, or all" }),
});

export const SilenceViewSchema = z
  .object({
    id: z.string(),
    matchers: z.array(SilenceMatcherSchema),
    starts_at: z.string(),
    ends_at: z.string().nullable().meta({ description: "null: a recurring window with no end" }),
    window: MaintenanceWindowSchema.nullable(),
    comment: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    state: z.enum(["active", "pending", "expired"]),
    next_change_at: z.string().nullable().meta({ description: "When it next starts or stops holding; null once expired" }),
  })
  .meta({ description: "A silence: the alerts it matches are recorded but not notified while it holds" });

const AckBodySchema = z
  .object({ by: z.string().min(1, "must not be empty").max(200).optional().meta({ description: "Who acknowledges, when auth is off" }) })
  .strict()
  .optional();

const ScopeViewSchema = z.union([
  z.literal("all"),
  z.object({ server_id: z.string() }),
  z.object({ category: z.string() }),
]);

export const RuleViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    metric: z.enum(ALERT_METRICS),
    comparison: z.enum(ALERT_COMPARISONS),
    threshold: z.union([z.number(), z.string()]),
    for: z.number(),
    severity: z.enum(ALERT_SEVERITIES),
    scope: ScopeViewSchema,
    resolve_after_checks: z.number().int(),
    enabled: z.boolean(),
    source: z.enum(["default", "config", "api"]),
    created_at: z.number().nullable(),
    updated_at: z.number().nullable(),
  })
  .meta({ description: "An alert rule and where it comes from (only `api` rules can be changed here)" });

const ChannelStateSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    delivery: z.enum(["immediate", "grouped"]),
    durable: z.boolean().meta({ description: "Whether what it fails to deliver is kept in the outbox and sent again" }),
    state: z.enum(["ok", "failing"]),
    last_success_at: z.number().nullable(),
    last_failure_at: z.number().nullable(),
    last_error: z.string().nullable().meta({ description: "The last failure; a URL in it keeps only its scheme and host" }),
    pending: z.number().int(),
    delivered: z.number().int(),
    expired: z.number().int(),
    dropped: z.number().int(),
  })
  .meta({ description: "An alert channel's delivery state and outbox counts" });

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (plugin, { alerts }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/alerts",
    {
      schema: {
        tags,
        summary: "Alerts firing now and the history of resolved ones, newest first",
        querystring: AlertListQuerySchema,
        response: { 200: z.object({ alerts: z.array(AlertRecordSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ alerts: await alerts.listAlerts(request.query) }),
  );

  app.get(
    "/alerts/channels",
    {
      schema: {
        tags,
        summary: "The alert channels with their delivery state and outbox counts",
        response: { 200: z.object({ channels: z.array(ChannelStateSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ channels: await alerts.channelStates() }),
  );

  app.get(
    "/alerts/rules",
    {
      schema: {
        tags,
        summary: "List alert rules: built-in, from the config file, and created through the API",
        response: { 200: z.object({ rules: z.array(RuleViewSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ rules: alerts.listRules() }),
  );

  app.post(
    "/alerts/rules",
    {
      schema: {
        tags,
        summary: "Create an alert rule",
        description: "The id may be left out and is then generated. Stored; survives restarts.",
        body: NewAlertRuleSchema,
        response: { 201: RuleViewSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await alerts.createRule(request.body)),
  );

  app.get(
    "/alerts/rules/:id",
    {
      schema: {
        tags,
        summary: "Get an alert rule",
        params: RuleIdParamsSchema,
        response: { 200: RuleViewSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => alerts.getRule(request.params.id),
  );

  app.patch(
    "/alerts/rules/:id",
    {
      schema: {
        tags,
        summary: "Change an alert rule created through the API",
        params: RuleIdParamsSchema,
        body: AlertRulePatchSchema,
        response: { 200: RuleViewSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => alerts.updateRule(request.params.id, request.body),
  );

  app.delete(
    "/alerts/rules/:id",
    {
      schema: {
        tags,
        summary: "Delete an alert rule created through the API; its firing alerts resolve",
        params: RuleIdParamsSchema,
        response: { 204: { type: "null", description: "Deleted" }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await alerts.deleteRule(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    "/alerts/:id",
    {
      schema: {
        tags,
        summary: "Get an alert",
        params: AlertIdParamsSchema,
        response: { 200: AlertRecordSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => alerts.getAlert(request.params.id),
  );

  app.post(
    "/alerts/:id/ack",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Acknowledge an alert: no more reminders for it",
        description: "With auth on, the token's name is recorded; otherwise `by`, or \"api\".",
        params: AlertIdParamsSchema,
        body: AckBodySchema,
        response: { 200: AlertRecordSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => alerts.ack(request.params.id, request.principal?.name ?? request.body?.by ?? "api"),
  );

  app.get(
    "/alerts/silences",
    {
      schema: {
        tags,
        summary: "Silences and maintenance windows, newest first",
        querystring: SilenceListQuerySchema,
        response: { 200: z.object({ silences: z.array(SilenceViewSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ silences: alerts.listSilences(request.query.state) }),
  );

  app.post(
    "/alerts/silences",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Silence alerts: recorded, but not notified on any channel while the silence holds",
        description:
          "Matchers name the alerts (rule_id, server_id, severity; exact, or a glob with `glob: true`); all must hold. " +
          "Times are ISO 8601 instants: `starts_at` (now when left out) and `ends_at` or `duration` (seconds). " +
          "A recurring maintenance `window` (days, start HH:MM, duration seconds, time_zone) holds only inside it. " +
          "An alert still firing when its silence ends is notified then.",
        body: NewSilenceSchema,
        response: { 201: SilenceViewSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await alerts.createSilence(request.body, request.principal?.name ?? request.body.created_by ?? "api")),
  );

  app.delete(
    "/alerts/silences/:id",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Expire a silence now; alerts it held back that still fire are notified",
        params: SilenceIdParamsSchema,
        response: { 200: SilenceViewSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => alerts.expireSilence(request.params.id),
  );
};
