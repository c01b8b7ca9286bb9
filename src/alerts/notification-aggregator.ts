/**
 * Turns a stream of alert changes into few notifications. Changes are gathered per group (a rule,
 * a server, or both): a new group waits `group_wait` so alerts arriving together go out together;
 * a group that has just sent waits `group_interval` before its next one; the same alert appears
 * once per notification (its latest state). Over all groups at most `max_per_minute`
 * notifications go out a minute; when more are due, the excess goes out as one digest — so a
 * mass outage pages once, not hundreds of times.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import { highestSeverity, summarize, type AlertNotification, type AlertView } from "./notification.js";

export type GroupBy = "rule" | "server" | "rule_and_server";

export interface AggregatorOptions {
  clock: Clock;
  groupBy: GroupBy;
  groupWaitMs: number;
  groupIntervalMs: number;
  maxPerMinute: number;
  newId(): string;
  deliver(notification: AlertNotification): void;
}

export function groupKey(groupBy: GroupBy, alert: Pick<AlertView, "rule_id" | "server_id">): string {
  switch (groupBy) {
    case "rule":
      return `rule:${alert.rule_id}`;
    case "server":
      return `server:${alert.server_id}`;
    case "rule_and_server":
      return `rule:${alert.rule_id}/server:${alert.server_id}`;
  }
}

interface Group {
  /** Alerts waiting to go out, by alert id, in arrival order. */
  alerts: Map<string, AlertView>;
  /** When the first waiting alert arrived. */
  since: number;
  lastSentAt: number | null;
}

const MINUTE_MS = 60_000;

export class NotificationAggregator {
  private readonly groups = new Map<string, Group>();
  /** When each of the notifications of the last minute went out. */
  private readonly sentAt: number[] = [];
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;

  constructor(private readonly options: AggregatorOptions) {}

  add(alert: AlertView): void {
    const key = groupKey(this.options.groupBy, alert);
    let group = this.groups.get(key);
    if (!group) {
      group = { alerts: new Map(), since: this.options.clock.now(), lastSentAt: null };
      this.groups.set(key, group);
    }
    if (group.alerts.size === 0) group.since = this.options.clock.now();
    const waiting = group.alerts.get(alert.alert_id);
    // Fired and resolved before anyone was told: nobody needs to hear of it now (it stays in the
    // history). A reminder that is overtaken by the resolution is replaced, not dropped.
    if (waiting && waiting.state === "firing" && !waiting.repeat && alert.state === "resolved") {
      group.alerts.delete(alert.alert_id);
      this.schedule();
      return;
    }
    group.alerts.set(alert.alert_id, alert);
    this.schedule();
  }

  /** Alerts waiting to go out. */
  pending(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.alerts.size;
    return count;
  }

  /** Sends everything waiting now, ignoring waits and the cap (shutdown). */
  flush(): void {
    const ready = [...this.groups.entries()].filter(([, group]) => group.alerts.size > 0);
    if (ready.length > 0) this.send(ready, ready.length + 1);
  }

  close(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    this.groups.clear();
  }

  private dueAt(group: Group): number {
    const afterWait = group.since + this.options.groupWaitMs;
    if (group.lastSentAt === null) return afterWait;
    return Math.max(afterWait, group.lastSentAt + this.options.groupIntervalMs);
  }

  private schedule(): void {
    let due = Infinity;
    for (const group of this.groups.values()) if (group.alerts.size > 0) due = Math.min(due, this.dueAt(group));
    if (due !== Infinity && this.budget(this.options.clock.now()) <= 0) due = Math.max(due, this.budgetFreesAt());
    if (due === this.timerDue) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = due;
    if (due === Infinity) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.dispatch();
    }, due - this.options.clock.now());
  }

  private budget(now: number): number {
    while (this.sentAt.length > 0 && now - (this.sentAt[0] ?? now) >= MINUTE_MS) this.sentAt.shift();
    return this.options.maxPerMinute - this.sentAt.length;
  }

  private budgetFreesAt(): number {
    return (this.sentAt[0] ?? this.options.clock.now()) + MINUTE_MS;
  }

  private dispatch(): void {
    const now = this.options.clock.now();
    const ready = [...this.groups.entries()].filter(([, group]) => group.alerts.size > 0 && this.dueAt(group) <= now);
    const budget = this.budget(now);
    if (ready.length > 0 && budget > 0) this.send(ready, budget);
    // A group is kept while it may still hold back its next notification, then forgotten.
    for (const [key, group] of this.groups) {
      if (group.alerts.size === 0 && (group.lastSentAt === null || now - group.lastSentAt >= this.options.groupIntervalMs)) {
        this.groups.delete(key);
      }
    }
    this.schedule();
  }

  /** Sends the ready groups, each on its own while the budget lasts and the rest as one digest. */
  private send(ready: [string, Group][], budget: number): void {
    const now = this.options.clock.now();
    const own = ready.length <= budget ? ready : ready.slice(0, budget - 1);
    const rest = ready.length <= budget ? [] : ready.slice(budget - 1);
    for (const [key, group] of own) this.emit(key, [...group.alerts.values()], now);
    if (rest.length > 0) this.emit("digest", rest.flatMap(([, group]) => [...group.alerts.values()]), now);
    for (const [, group] of ready) {
      group.alerts.clear();
      group.lastSentAt = now;
    }
  }

  private emit(group: string, alerts: AlertView[], at: number): void {
    this.sentAt.push(at);
    this.options.deliver({
      id: this.options.newId(),
      group,
      state: alerts.some((alert) => alert.state === "firing") ? "firing" : "resolved",
      severity: highestSeverity(alerts),
      summary: summarize(group, alerts),
      alerts,
      at,
    });
  }
}
