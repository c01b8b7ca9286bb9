/**
 * The `alerts` section of the config file: rules, channels, and how notifications are grouped,
 * repeated and capped. Rule schemas live here (not in src/alerts) because the config file is
 * validated at the edge and config sits below alerts; the alerts domain and the API reuse them.
 * Durations are in seconds, like the rest of the file.
 */
import { z } from "zod";
import { serverIdProblem } from "../core/ids.js";

export const ALERT_METRICS = [
  "status",
  "response_time_ms",
  "cpu_percent",
  "memory_mb",
  "error_rate",
  "consecutive_failures",
  "capabilities_changed",
  "server_state",
  /** 1 while the daemon's storage refuses writes for want of space, 0 once a write goes through. */
  "storage_full",
  /** 1 while the last change of the config file was refused, 0 once a good one is loaded. */
  "config_rejected",
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** Metrics whose value is a word (a status, a state), compared with == and != only. */
export const WORD_METRICS: Record<string, readonly string[]> = {
  status: ["healthy", "warning", "critical", "unknown", "offline"],
  server_state: ["stopped", "starting", "running", "backoff", "crash_loop", "failed", "stopping"],
};

export const ALERT_COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
export type AlertComparison = (typeof ALERT_COMPARISONS)[number];

export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Rule ids follow the server-id rule, so they are safe in URLs and file names alike. */
export const AlertRuleIdSchema = z.string().superRefine((id, ctx) => {
  const problem = serverIdProblem(id);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const ScopeSchema = z.union(
  [
    z.literal("all"),
    z.object({ server_id: z.string().min(1, "must not be empty") }).strict(),
    z.object({ category: z.string().min(1, "must not be empty") }).strict(),
  ],
  { error: 'must be "all", {"server_id": "..."} or {"category": "..."}' },
);
export type AlertScope = z.infer<typeof ScopeSchema>;

/** "is required" when absent, else the list of what is allowed: a message a person can act on. */
function oneOf(values: readonly string[]) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be one of ${values.join(", ")}`),
  };
}

/** The fields of a rule without defaults, so a patch can name only what it changes. */
const ruleFields = {
  id: AlertRuleIdSchema,
  name: z.string().min(1, "must not be empty").max(200),
  description: z.string().max(2000).optional(),
  metric: z.enum(ALERT_METRICS, oneOf(ALERT_METRICS)),
  comparison: z.enum(ALERT_COMPARISONS, oneOf(ALERT_COMPARISONS)),
  threshold: z.union([z.number(), z.string().min(1, "must not be empty")], {
    error: (issue) => (issue.input === undefined ? "is required" : "must be a number or a word"),
  }),
  /** Seconds the condition must hold before the alert fires; 0 fires at once. */
  for: z.number().min(0, "must be 0 or more").max(86_400, "must be at most 86400 (a day)"),
  severity: z.enum(ALERT_SEVERITIES, oneOf(ALERT_SEVERITIES)),
  scope: ScopeSchema,
  /** Consecutive evaluations with the condition false before a firing alert resolves. */
  resolve_after_checks: z.number().int("must be a whole number").min(1, "must be at least 1").max(1000, "must be at most 1000"),
  enabled: z.boolean(),
};

/** Word metrics take a word from their list and == or !=; the others take a number. */
function checkThreshold(
  rule: { metric?: AlertMetric | undefined; comparison?: AlertComparison | undefined; threshold?: number | string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (rule.metric === undefined || rule.threshold === undefined) return;
  const words = WORD_METRICS[rule.metric];
  if (words) {
    if (typeof rule.threshold !== "string" || !words.includes(rule.threshold)) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: `must be one of ${words.join(", ")} for metric ${rule.metric}` });
    }
    if (rule.comparison !== undefined && rule.comparison !== "==" && rule.comparison !== "!=") {
      ctx.addIssue({ code: "custom", path: ["comparison"], message: `must be == or != for metric ${rule.metric}` });
    }
  } else if (typeof rule.threshold !== "number") {
    ctx.addIssue({ code: "custom", path: ["threshold"], message: `must be a number for metric ${rule.metric}` });
  }
}

const ruleWithDefaults = {
  ...ruleFields,
  for: ruleFields.for.default(0),
  severity: ruleFields.severity.default("warning"),
  scope: ScopeSchema.default("all"),
  resolve_after_checks: ruleFields.resolve_after_checks.default(2),
  enabled: ruleFields.enabled.default(true),
};

/** A whole rule, as written in the config file; defaults filled in. */
export const AlertRuleSchema = z.object(ruleWithDefaults).strict().superRefine(checkThreshold);
export type AlertRule = z.output<typeof AlertRuleSchema>;
export type AlertRuleInput = z.input<typeof AlertRuleSchema>;

/** A rule created through the API: the id may be left out and is then generated. */
export const NewAlertRuleSchema = z
  .object({ ...ruleWithDefaults, id: AlertRuleIdSchema.optional() })
  .strict()
  .superRefine(checkThreshold);

/** A change to a rule: any field but the id. The merged rule is checked again as a whole. */
export const AlertRulePatchSchema = z.object(ruleFields).omit({ id: true }).partial().strict();
export type AlertRulePatch = z.output<typeof AlertRulePatchSchema>;

/**
 * One channel entry. Only the fields common to every channel are checked here; the rest belongs
 * to the channel type, whose own schema (declared in its file under src/alerts/channels) checks it
 * when the alert service builds the channel.
 */
export const AlertChannelEntrySchema = z
  .object({
    type: z.string().min(1, "must not be empty"),
    id: AlertRuleIdSchema.optional(),
    enabled: z.boolean().default(true),
    /** immediate: every state change at once (dashboards); grouped: batched, deduplicated, capped. */
    delivery: z.enum(["immediate", "grouped"]).optional(),
    /** Alerts below this severity are not sent to the channel. */
    min_severity: z.enum(ALERT_SEVERITIES).default("info"),
  })
  .loose();
export type AlertChannelEntry = z.output<typeof AlertChannelEntrySchema>;

export const AlertsConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The built-in rules derived from the health statuses; a config rule with the same id replaces one. */
    default_rules: z.boolean().default(true),
    rules: z
      .array(AlertRuleSchema)
      .default([])
      .superRefine((rules, ctx) => {
        const seen = new Map<string, number>();
        rules.forEach((rule, index) => {
          const first = seen.get(rule.id);
          if (first !== undefined) {
            ctx.addIssue({ code: "custom", path: [index, "id"], message: `duplicate id, already used by rules[${first}]` });
          } else seen.set(rule.id, index);
        });
      }),
    channels: z.array(AlertChannelEntrySchema).default([{ type: "websocket", enabled: true, min_severity: "info" }]),
    /** What one grouped notification gathers: alerts of one rule, of one server, or of both. */
    group_by: z.enum(["rule", "server", "rule_and_server"]).default("rule"),
    /** Seconds to wait after the first alert of a batch so that alerts arriving together go out as one. */
    group_wait: z.number().min(0).max(600).default(2),
    /** Seconds a group that has just sent waits before it sends again (new alerts of it gather meanwhile). */
    group_interval: z.number().min(0).max(86_400).default(60),
    /** Seconds after which a still-firing, unacknowledged alert is sent again. */
    repeat_interval: z.number().min(1).max(30 * 86_400).default(4 * 3600),
    /** At most this many grouped notifications a minute; the rest go out as one digest. */
    max_notifications_per_minute: z.number().int().min(1).max(10_000).default(10),
    flapping: z
      .object({
        /** Seconds over which fires are counted. */
        window: z.number().min(1).max(86_400).default(600),
        /** Fires of one rule on one server within the window that mark it flapping. */
        fires: z.number().int().min(2).max(1000).default(3),
        /** A flapping alert resolves only after its condition has been false this many seconds. */
        stable_for: z.number().min(0).max(86_400).default(300),
      })
      .strict()
      .prefault({}),
    /**
     * Notifications a webhook or email channel could not deliver after its retries wait in the
     * store's outbox and are sent again, oldest first, once the receiver answers.
     */
    outbox: z
      .object({
        /** Pending notifications kept per channel; beyond it the oldest are dropped. */
        max_pending: z.number().int("must be a whole number").min(1, "must be at least 1").max(1_000_000, "must be at most 1000000").default(1000),
        /** Seconds a notification may wait before it expires unsent. */
        max_age: z.number().min(60, "must be at least 60").max(30 * 86_400, "must be at most 2592000 (30 days)").default(86_400),
        /** Seconds before the outbox tries a failing channel again; doubled each time up to retry_max_delay. */
        retry_initial_delay: z.number().min(0.01, "must be at least 0.01").max(3600, "must be at most 3600").default(30),
        retry_max_delay: z.number().min(0.01, "must be at least 0.01").max(86_400, "must be at most 86400").default(900),
      })
      .strict()
      .prefault({}),
    /** Days resolved alerts are kept in the history. */
    history_retention_days: z.number().min(1).max(3650).default(90),
  })
  .strict();
export type AlertsConfig = z.output<typeof AlertsConfigSchema>;
export type AlertsConfigInput = z.input<typeof AlertsConfigSchema>;
