// Grouping, waits, deduplication and the per-minute cap, on a ManualClock.
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { NotificationAggregator, type AggregatorOptions } from "./notification-aggregator.js";
import type { AlertNotification, AlertView } from "./notification.js";

let aggregator: NotificationAggregator | undefined;
afterEach(() => aggregator?.close());

function setup(options: Partial<AggregatorOptions> = {}) {
  const clock = new ManualClock();
  const sent: AlertNotification[] = [];
  let n = 0;
  aggregator = new NotificationAggregator({
    clock,
    groupBy: "rule",
    groupWaitMs: 2000,
    groupIntervalMs: 60_000,
    maxPerMinute: 10,
    newId: () => `n${++n}`,
    deliver: (notification) => sent.push(notification),
    ...options,
  });
  return { clock, sent, aggregator };
}

function alert(serverId: string, fields: Partial<AlertView> = {}): AlertView {
  return {
    alert_id: `${fields.rule_id ?? "server-offline"}/${serverId}`,
    rule_id: "server-offline",
    rule_name: "Server offline",
    server_id: serverId,
    severity: "critical",
    state: "firing",
    summary: `Server offline on ${serverId}: status is offline`,
    labels: {},
    started_at: 0,
    resolved_at: null,
    repeat: false,
    ...fields,
  };
}

describe("notification aggregator", () => {
  it("waits group_wait and sends alerts that arrived together as one notification", () => {
    const { clock, sent, aggregator } = setup();
    const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
    for (const name of names) aggregator.add(alert(name));
    clock.advance(1999);
    expect(sent).toHaveLength(0);
    clock.advance(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.alerts).toHaveLength(10);
    expect(sent[0]?.summary).toBe("[CRITICAL] Server offline: 10 servers firing: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9");
    expect(sent[0]?.group).toBe("rule:server-offline");
  });

  it("lists the first names and counts the rest", () => {
    const { clock, sent, aggregator } = setup();
    for (let i = 0; i < 25; i++) aggregator.add(alert(`s${i}`));
    clock.advance(2000);
    expect(sent[0]?.summary).toMatch(/: 25 servers firing: s0, s1, .*, s9 and 15 more$/);
  });

  it("holds later alerts of a group that just sent until group_interval", () => {
    const { clock, sent, aggregator } = setup();
    aggregator.add(alert("a"));
    clock.advance(2000);
    expect(sent).toHaveLength(1);
    clock.advance(5000);
    aggregator.add(alert("b"));
    clock.advance(10_000);
    aggregator.add(alert("c"));
    clock.advance(44_999); // 59.999 s after the first notification
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.alerts.map((item) => item.server_id)).toEqual(["b", "c"]);
  });

  it("keeps one entry per alert: its latest state", () => {
    const { clock, sent, aggregator } = setup();
    aggregator.add(alert("a", { repeat: true }));
    aggregator.add(alert("a", { state: "resolved", resolved_at: 10 }));
    clock.advance(2000);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.alerts).toHaveLength(1);
    expect(sent[0]?.alerts[0]?.state).toBe("resolved");
    expect(sent[0]?.state).toBe("resolved");
  });

  it("says nothing of an alert that fired and resolved before anyone was told", () => {
    const { clock, sent, aggregator } = setup();
    aggregator.add(alert("a"));
    aggregator.add(alert("a", { state: "resolved", resolved_at: 10 }));
    clock.advance(10_000);
    expect(sent).toHaveLength(0);
  });

  it("sends at most max_per_minute notifications, the excess as one digest", () => {
    const { clock, sent, aggregator } = setup({ maxPerMinute: 3 });
    for (let i = 0; i < 6; i++) aggregator.add(alert("a", { rule_id: `rule-${i}`, rule_name: `Rule ${i}` }));
    clock.advance(2000);
    expect(sent).toHaveLength(3);
    expect(sent.map((item) => item.group)).toEqual(["rule:rule-0", "rule:rule-1", "digest"]);
    expect(sent[2]?.alerts).toHaveLength(4);
    expect(sent[2]?.summary).toMatch(/^\[CRITICAL\] a: 4 alerts firing|^\[CRITICAL\] 4 alerts firing/);
  });

  it("defers notifications while the minute's budget is spent, then sends them as one", () => {
    const { clock, sent, aggregator } = setup({ maxPerMinute: 2, groupBy: "rule_and_server" });
    aggregator.add(alert("a"));
    aggregator.add(alert("b"));
    clock.advance(2000);
    expect(sent).toHaveLength(2);
    clock.advance(1000);
    aggregator.add(alert("c"));
    aggregator.add(alert("d"));
    aggregator.add(alert("e"));
    clock.advance(10_000);
    expect(sent).toHaveLength(2);
    clock.advance(50_000); // a minute after the first two
    expect(sent).toHaveLength(4);
    expect(sent[2]?.alerts.map((item) => item.server_id)).toEqual(["c"]);
    expect(sent[3]?.group).toBe("digest");
    expect(sent[3]?.alerts.map((item) => item.server_id)).toEqual(["d", "e"]);
  });

  it("groups by server when asked", () => {
    const { clock, sent, aggregator } = setup({ groupBy: "server" });
    aggregator.add(alert("a"));
    aggregator.add(alert("a", { rule_id: "server-critical", rule_name: "Server critical" }));
    aggregator.add(alert("b"));
    clock.advance(2000);
    expect(sent.map((item) => [item.group, item.alerts.length])).toEqual([
      ["server:a", 2],
      ["server:b", 1],
    ]);
    expect(sent[0]?.summary).toBe("[CRITICAL] a: 2 alerts firing: Server offline, Server critical");
  });

  it("flush sends everything at once, ignoring waits", () => {
    const { sent, aggregator } = setup();
    aggregator.add(alert("a"));
    aggregator.flush();
    expect(sent).toHaveLength(1);
    expect(aggregator.pending()).toBe(0);
  });
});
