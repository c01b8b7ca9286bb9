// Rule meaning (conditions, scope) and the rule schema's field-named errors.
import { describe, expect, it } from "vitest";
import { AlertRuleSchema, AlertsConfigSchema, type AlertRule } from "../config/alerts-schema.js";
import { zodIssues } from "../config/validate.js";
import { conditionHolds, DEFAULT_RULES, describeCondition, ruleCovers } from "./rules.js";

const rule = (fields: Partial<AlertRule>): AlertRule =>
  AlertRuleSchema.parse({ id: "r", name: "R", metric: "response_time_ms", comparison: ">", threshold: 1000, ...fields });

function problems(input: unknown): string[] {
  const result = AlertRuleSchema.safeParse(input);
  return result.success ? [] : zodIssues(result.error).map((issue) => `${issue.field}: ${issue.message}`);
}

describe("alert rules", () => {
  it("ships default rules that pass their own schema, with unique ids", () => {
    for (const item of DEFAULT_RULES) expect(AlertRuleSchema.parse(item)).toEqual(item);
    expect(new Set(DEFAULT_RULES.map((item) => item.id)).size).toBe(DEFAULT_RULES.length);
  });

  it("compares numbers and words with each operator", () => {
    expect(conditionHolds(rule({}), 1001)).toBe(true);
    expect(conditionHolds(rule({}), 1000)).toBe(false);
    expect(conditionHolds(rule({ comparison: ">=" }), 1000)).toBe(true);
    expect(conditionHolds(rule({ comparison: "<", threshold: 50 }), 49)).toBe(true);
    expect(conditionHolds(rule({ comparison: "<=", threshold: 50 }), 51)).toBe(false);
    expect(conditionHolds(rule({ comparison: "!=", threshold: 0 }), 3)).toBe(true);
    const offline = rule({ metric: "status", comparison: "==", threshold: "offline" });
    expect(conditionHolds(offline, "offline")).toBe(true);
    expect(conditionHolds(offline, "healthy")).toBe(false);
  });

  it("has nothing to judge when the value was not measured", () => {
    expect(conditionHolds(rule({}), null)).toBeUndefined();
    expect(conditionHolds(rule({}), undefined)).toBeUndefined();
  });

  it("covers servers by id, by category, or all", () => {
    expect(ruleCovers(rule({}), "a", null)).toBe(true);
    expect(ruleCovers(rule({ scope: { server_id: "a" } }), "a", null)).toBe(true);
    expect(ruleCovers(rule({ scope: { server_id: "a" } }), "b", null)).toBe(false);
    expect(ruleCovers(rule({ scope: { category: "fs" } }), "b", "fs")).toBe(true);
    expect(ruleCovers(rule({ scope: { category: "fs" } }), "b", null)).toBe(false);
  });

  it("describes the condition for a person", () => {
    expect(describeCondition(rule({}), 1240)).toBe("response_time_ms 1240 > 1000");
    expect(describeCondition(rule({ metric: "status", comparison: "==", threshold: "offline" }), "offline")).toBe("status is offline");
    expect(describeCondition(rule({ metric: "capabilities_changed", threshold: 0 }), 2)).toBe("2 capabilities changed");
  });

  it("names each bad field of a rule", () => {
    expect(problems({ id: "bad id", name: "", metric: "latency", comparison: "~", threshold: 1, extra: true })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^id: /),
        expect.stringMatching(/^name: /),
        expect.stringMatching(/^metric: /),
        expect.stringMatching(/^comparison: /),
        expect.stringMatching(/unknown field "extra"/),
      ]),
    );
    expect(problems({ id: "s", name: "S", metric: "status", comparison: ">", threshold: "down" })).toEqual([
      "threshold: must be one of healthy, warning, critical, unknown, offline for metric status",
      "comparison: must be == or != for metric status",
    ]);
    expect(problems({ id: "n", name: "N", metric: "cpu_percent", comparison: ">", threshold: "high" })).toEqual([
      "threshold: must be a number for metric cpu_percent",
    ]);
    expect(problems({ id: "n", name: "N", metric: "cpu_percent", comparison: ">", threshold: 90, scope: { team: "x" } })[0]).toMatch(/^scope: must be "all"/);
  });

  it("fills the alerts section's defaults and refuses duplicate rule ids", () => {
    const config = AlertsConfigSchema.parse({});
    expect(config).toMatchObject({
      enabled: true,
      default_rules: true,
      group_wait: 2,
      repeat_interval: 14_400,
      max_notifications_per_minute: 10,
      flapping: { window: 600, fires: 3, stable_for: 300 },
      channels: [{ type: "websocket" }],
    });
    const twice = { id: "x", name: "X", metric: "cpu_percent", comparison: ">", threshold: 90 };
    const result = AlertsConfigSchema.safeParse({ rules: [twice, twice] });
    expect(result.success).toBe(false);
    if (!result.success) expect(zodIssues(result.error, "alerts")[0]).toEqual({ field: "alerts.rules[1].id", message: "duplicate id, already used by rules[0]" });
  });
});
