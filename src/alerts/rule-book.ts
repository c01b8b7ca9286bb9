/**
 * Where rules come from and who may change them: built-in defaults, the config file (read-only
 * here; a config rule replaces a default of the same id), and rules created through the API
 * (persisted in the store). The effective set is what the evaluator runs.
 */
import type { z } from "zod";
import {
  AlertRulePatchSchema,
  AlertRuleSchema,
  NewAlertRuleSchema,
  type AlertRule,
} from "../config/alerts-schema.js";
import { formatIssues, zodIssues } from "../config/validate.js";
import { AppError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AlertRulesRepository } from "../store/alerts-repository.js";
import { DEFAULT_RULES, type RuleSource } from "./rules.js";

export type RuleView = AlertRule & {
  source: RuleSource;
  /** For API rules: when created and last changed; null for the others. */
  created_at: number | null;
  updated_at: number | null;
};

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = zodIssues(result.error);
  throw new AppError("VALIDATION_FAILED", formatIssues(issues), { issues });
}

const SOURCE_ORDER: Record<RuleSource, number> = { default: 0, config: 1, api: 2 };

export class RuleBook {
  private defaults = new Map<string, AlertRule>();
  private fromConfig = new Map<string, AlertRule>();
  private fromApi = new Map<string, { rule: AlertRule; created_at: number; updated_at: number }>();

  constructor(
    private readonly repository: AlertRulesRepository,
    private readonly logger: Logger,
  ) {}

  /** The config file's part: whether defaults apply, and its rules (already validated). */
  setConfig(config: { default_rules: boolean; rules: readonly AlertRule[] }): void {
    this.defaults = new Map(config.default_rules ? DEFAULT_RULES.map((rule) => [rule.id, rule]) : []);
    this.fromConfig = new Map(config.rules.map((rule) => [rule.id, rule]));
    for (const id of this.fromApi.keys()) {
      if (this.fromConfig.has(id) || this.defaults.has(id)) {
        this.logger.warn({ rule_id: id }, "an alert rule created through the API has the id of a config or built-in rule; that one wins");
      }
    }
  }

  /** Loads the API rules from the store; a stored rule that no longer validates is skipped and logged. */
  async load(): Promise<void> {
    this.fromApi.clear();
    for (const stored of await this.repository.list()) {
      const result = AlertRuleSchema.safeParse(stored.rule);
      if (!result.success) {
        this.logger.warn({ rule_id: stored.id, problems: formatIssues(zodIssues(result.error)) }, "skipping a stored alert rule that is not valid");
        continue;
      }
      this.fromApi.set(stored.id, { rule: result.data, created_at: stored.created_at, updated_at: stored.updated_at });
    }
  }

  list(): RuleView[] {
    const views = new Map<string, RuleView>();
    for (const [id, entry] of this.fromApi) views.set(id, { ...entry.rule, source: "api", created_at: entry.created_at, updated_at: entry.updated_at });
    for (const [id, rule] of this.defaults) views.set(id, { ...rule, source: "default", created_at: null, updated_at: null });
    for (const [id, rule] of this.fromConfig) views.set(id, { ...rule, source: "config", created_at: null, updated_at: null });
    return [...views.values()].sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] || a.id.localeCompare(b.id));
  }

  /** The rules the evaluator runs. */
  effective(): AlertRule[] {
    return this.list().map(({ source: _source, created_at: _created, updated_at: _updated, ...rule }) => rule);
  }

  get(id: string): RuleView {
    const view = this.list().find((rule) => rule.id === id);
    if (!view) throw new AppError("RULE_NOT_FOUND", `No alert rule has the id "${id}".`);
    return view;
  }

  async create(input: unknown, at: number, newId: () => string): Promise<RuleView> {
    const parsed = parseOrThrow(NewAlertRuleSchema, input);
    const rule: AlertRule = { ...parsed, id: parsed.id ?? newId() };
    if (this.list().some((existing) => existing.id === rule.id)) {
      throw new AppError("RULE_EXISTS", `An alert rule with the id "${rule.id}" already exists.`);
    }
    const stored = await this.repository.save(rule.id, rule, at);
    this.fromApi.set(rule.id, { rule, created_at: stored.created_at, updated_at: stored.updated_at });
    return this.get(rule.id);
  }

  async update(id: string, patch: unknown, at: number): Promise<RuleView> {
    const current = this.writable(id);
    const changes = parseOrThrow(AlertRulePatchSchema, patch ?? {});
    const rule = parseOrThrow(AlertRuleSchema, { ...current.rule, ...changes, id });
    const stored = await this.repository.save(id, rule, at);
    this.fromApi.set(id, { rule, created_at: stored.created_at, updated_at: stored.updated_at });
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    this.writable(id);
    await this.repository.remove(id);
    this.fromApi.delete(id);
  }

  /** An API rule that may be changed; config and built-in rules are 409, unknown ones 404. */
  private writable(id: string): { rule: AlertRule } {
    const view = this.get(id);
    if (view.source !== "api") {
      throw new AppError(
        "RULE_CONFIG_MANAGED",
        view.source === "config"
          ? `The alert rule "${id}" is defined in the config file; edit the file to change it.`
          : `The alert rule "${id}" is built in; replace it with a config-file rule of the same id, or set alerts.default_rules to false.`,
        { source: view.source },
      );
    }
    const entry = this.fromApi.get(id);
    if (!entry) throw new AppError("RULE_NOT_FOUND", `No alert rule has the id "${id}".`);
    return entry;
  }
}
