/**
 * Runs the state machine of every (rule, server) pair: takes observations (the values one event
 * gives), steps the pairs whose rule covers the server and whose metric the event carries, keeps
 * a timer per pending pair so `for` is honoured even between checks, and reports fired,
 * resolved and flapping transitions. It stores and sends nothing itself.
 */
import type { AlertRule } from "../config/alerts-schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import {
  firingMachineState,
  initialMachineState,
  pendingDueAt,
  step,
  type MachineInput,
  type MachineParams,
  type MachineState,
} from "./alert-state-machine.js";
import { conditionHolds, ruleCovers, type MetricValue, type Observation } from "./rules.js";

export interface FlappingParams {
  window_ms: number;
  fires: number;
  stable_for_ms: number;
}

/** Why an alert resolved. */
export type Resolution = "recovered" | "server stopped" | "server removed" | "rule removed" | "rule changed";

export type EvaluatorTransition =
  | {
      kind: "fired";
      rule: AlertRule;
      server_id: string;
      alert_id: string;
      at: number;
      value: MetricValue | undefined;
      /** Why the health monitor gave its status, or what changed. */
      reasons: string[];
    }
  | { kind: "resolved"; rule: AlertRule; server_id: string; alert_id: string; at: number; resolution: Resolution }
  | { kind: "flapping"; rule: AlertRule; server_id: string; alert_id: string; at: number };

export interface EvaluatorOptions {
  clock: Clock;
  flapping: FlappingParams;
  /** The server's category, for rules scoped to one. */
  categoryOf(serverId: string): string | null;
  newId(): string;
  onTransition(transition: EvaluatorTransition): void;
}

interface Pair {
  rule_id: string;
  server_id: string;
  machine: MachineState;
  alert_id: string | null;
  timer: TimerHandle | undefined;
  timer_due: number | null;
  /** The last value that met the condition, and the reasons given with it. */
  value: MetricValue | undefined;
  reasons: string[];
}

export class AlertEvaluator {
  private rules = new Map<string, AlertRule>();
  /** Pairs by server, then by rule: a check looks its server's up without building a key. */
  private readonly pairs = new Map<string, Map<string, Pair>>();

  constructor(private readonly options: EvaluatorOptions) {}

  /**
   * Replaces the rule set. Pairs of a rule that is gone or disabled, or that no longer covers its
   * server, are dropped (a firing one resolves); the others keep their state under the new rule.
   */
  setRules(rules: readonly AlertRule[]): void {
    const previous = this.rules;
    this.rules = new Map(rules.filter((rule) => rule.enabled).map((rule) => [rule.id, rule]));
    for (const pair of this.allPairs()) {
      const rule = this.rules.get(pair.rule_id);
      if (rule && ruleCovers(rule, pair.server_id, this.options.categoryOf(pair.server_id))) continue;
      this.drop(pair, rule ? "rule changed" : "rule removed", previous.get(pair.rule_id));
    }
  }

  /** Steps every pair the observation concerns. */
  observe(serverId: string, observation: Observation, at: number, reasons: string[] = []): void {
    const category = this.options.categoryOf(serverId);
    for (const rule of this.rules.values()) {
      if (!(rule.metric in observation)) continue;
      if (!ruleCovers(rule, serverId, category)) continue;
      const value = observation[rule.metric];
      const holds = conditionHolds(rule, value);
      if (holds === undefined) continue;
      const pair = this.pair(rule.id, serverId);
      if (holds) {
        pair.value = value;
        pair.reasons = reasons;
      }
      this.advance(pair, rule, { type: "observe", holds, at });
    }
  }

  /** Drops every pair of the server; firing ones resolve with the given reason. */
  forgetServer(serverId: string, resolution: Resolution): void {
    for (const pair of [...(this.pairs.get(serverId)?.values() ?? [])]) this.drop(pair, resolution);
  }

  /** Takes back an alert that was firing when the daemon stopped; false when its rule is gone. */
  restore(alert: { alert_id: string; rule_id: string; server_id: string; started_at: number }): boolean {
    const rule = this.rules.get(alert.rule_id);
    if (!rule || !ruleCovers(rule, alert.server_id, this.options.categoryOf(alert.server_id))) return false;
    const pair = this.pair(alert.rule_id, alert.server_id);
    if (pair.machine.phase === "firing") return false;
    pair.machine = firingMachineState(alert.started_at);
    pair.alert_id = alert.alert_id;
    return true;
  }

  /** The state of a pair, for tests and diagnostics. */
  state(ruleId: string, serverId: string): MachineState | undefined {
    return this.pairs.get(serverId)?.get(ruleId)?.machine;
  }

  close(): void {
    for (const pair of this.allPairs()) this.options.clock.clearTimeout(pair.timer);
    this.pairs.clear();
  }

  /** Every pair, as a list (dropping pairs while going through it is safe). */
  private allPairs(): Pair[] {
    return [...this.pairs.values()].flatMap((byRule) => [...byRule.values()]);
  }

  private pair(ruleId: string, serverId: string): Pair {
    let byRule = this.pairs.get(serverId);
    if (!byRule) {
      byRule = new Map();
      this.pairs.set(serverId, byRule);
    }
    let pair = byRule.get(ruleId);
    if (!pair) {
      pair = {
        rule_id: ruleId,
        server_id: serverId,
        machine: initialMachineState(),
        alert_id: null,
        timer: undefined,
        timer_due: null,
        value: undefined,
        reasons: [],
      };
      byRule.set(ruleId, pair);
    }
    return pair;
  }

  private params(rule: AlertRule): MachineParams {
    return {
      for_ms: rule.for * 1000,
      resolve_after_checks: rule.resolve_after_checks,
      flap_window_ms: this.options.flapping.window_ms,
      flap_fires: this.options.flapping.fires,
      flap_stable_ms: this.options.flapping.stable_for_ms,
    };
  }

  private advance(pair: Pair, rule: AlertRule, input: MachineInput): void {
    const params = this.params(rule);
    const { state, event } = step(pair.machine, input, params);
    pair.machine = state;
    this.armTimer(pair, params);
    const base = { rule, server_id: pair.server_id, at: input.at };
    if (event === "fired") {
      pair.alert_id = this.options.newId();
      this.options.onTransition({ ...base, kind: "fired", alert_id: pair.alert_id, value: pair.value, reasons: pair.reasons });
    } else if (event === "resolved" && pair.alert_id !== null) {
      const alertId = pair.alert_id;
      pair.alert_id = null;
      this.options.onTransition({ ...base, kind: "resolved", alert_id: alertId, resolution: "recovered" });
    } else if (event === "flapping" && pair.alert_id !== null) {
      this.options.onTransition({ ...base, kind: "flapping", alert_id: pair.alert_id });
    }
  }

  /** A pending pair gets a timer for when `for` runs out; any other has none. */
  private armTimer(pair: Pair, params: MachineParams): void {
    const due = pendingDueAt(pair.machine, params);
    if (due === pair.timer_due) return;
    this.options.clock.clearTimeout(pair.timer);
    pair.timer = undefined;
    pair.timer_due = due;
    if (due === null) return;
    pair.timer = this.options.clock.setTimeout(() => {
      pair.timer = undefined;
      pair.timer_due = null;
      const rule = this.rules.get(pair.rule_id);
      if (rule && this.pairs.get(pair.server_id)?.get(pair.rule_id) === pair) {
        this.advance(pair, rule, { type: "tick", at: this.options.clock.now() });
      }
    }, Math.max(0, due - this.options.clock.now()));
  }

  private drop(pair: Pair, resolution: Resolution, ruleBefore?: AlertRule): void {
    this.options.clock.clearTimeout(pair.timer);
    const byRule = this.pairs.get(pair.server_id);
    byRule?.delete(pair.rule_id);
    if (byRule?.size === 0) this.pairs.delete(pair.server_id);
    const rule = this.rules.get(pair.rule_id) ?? ruleBefore;
    if (pair.machine.phase === "firing" && pair.alert_id !== null && rule) {
      this.options.onTransition({
        kind: "resolved",
        rule,
        server_id: pair.server_id,
        alert_id: pair.alert_id,
        at: this.options.clock.now(),
        resolution,
      });
    }
  }
}
