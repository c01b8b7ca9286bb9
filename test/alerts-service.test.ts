// The alert service end to end inside the process: real bus events in, real SQLite, a
// ManualClock for every wait, and what reached the callback and websocket channels out.
import { afterEach, describe, expect, it } from "vitest";
import { alertHarness, capabilitiesChanged, healthUpdate, serverStatus, type AlertHarness } from "../src/alerts/test-support.js";
import { AlertsConfigSchema, type AlertsConfigInput } from "../src/config/alerts-schema.js";

let h: AlertHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(config: AlertsConfigInput = {}, extra: Parameters<typeof alertHarness>[1] = {}): Promise<AlertHarness> {
  h = await alertHarness(config, extra);
  return h;
}

const SEC = 1000;
const MIN = 60 * SEC;

describe("alert service", () => {
  it("fires once after `for` has passed, not before", async () => {
    const t = await start();
    t.health("critical", "files");
    t.checks("critical", 59 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts()).toEqual([]);
    expect(t.alertEvents).toEqual([]);

    t.clock.advance(1 * SEC); // 60 s of critical: the server-critical rule fires
    await t.settle();
    const firing = await t.service.listAlerts({ state: "firing" });
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({ rule_id: "server-critical", server_id: "files", severity: "critical", state: "firing" });
    expect(firing[0]?.summary).toBe("Server critical on files: status is critical");
    expect(t.alertEvents).toHaveLength(1);
    expect(t.alertEvents[0]).toMatchObject({ type: "alert", rule_id: "server-critical", server_id: "files", state: "firing", severity: "critical" });

    // The callback hears of it after group_wait, once, however long it keeps firing.
    expect(t.notifications).toHaveLength(0);
    t.checks("critical", 10 * MIN, 10 * SEC, "files");
    await t.settle();
    expect(t.notifications).toHaveLength(1);
    expect(t.notifications[0]).toMatchObject({ state: "firing", severity: "critical", summary: "[CRITICAL] Server critical on files: status is critical" });
    expect(t.alertEvents).toHaveLength(1);
    expect((await t.service.listAlerts())[0]?.last_notified_at).toBe(t.clock.now() - 10 * MIN + 2 * SEC);
  });

  it("resolves after resolve_after_checks healthy checks", async () => {
    const t = await start();
    t.health("offline", "files");
    t.checks("offline", 40 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(1);

    t.clock.advance(10 * SEC);
    t.health("healthy", "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(1);

    t.clock.advance(10 * SEC);
    t.health("healthy", "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(0);
    const [resolved] = await t.service.listAlerts({ state: "resolved" });
    expect(resolved).toMatchObject({ rule_id: "server-offline", state: "resolved", labels: expect.objectContaining({ resolution: "recovered" }) });
    expect(resolved?.resolved_at).toBe(t.clock.now());
    expect(t.alertEvents.map((event) => event.state)).toEqual(["firing", "resolved"]);
    // The group sent 28 s ago; the resolution waits out group_interval (60 s) before it goes out.
    expect(t.notifications).toHaveLength(1);
    t.clock.advance(32 * SEC);
    await t.settle();
    expect(t.notifications.map((n) => n.summary)).toEqual([
      "[CRITICAL] Server offline on files: status is offline",
      "[RESOLVED] Server offline on files: recovered",
    ]);
  });

  it("never notifies for a blip shorter than `for`", async () => {
    const t = await start();
    t.health("offline", "files");
    t.checks("offline", 10 * SEC, 10 * SEC, "files");
    t.checks("healthy", 30 * MIN, 10 * SEC, "files"); // offline for 20 s of the rule's 30
    await t.settle();
    expect(await t.service.listAlerts()).toEqual([]);
    expect(t.alertEvents).toEqual([]);
    expect(t.notifications).toEqual([]);
  });

  it("sends ten servers going down together as one grouped notification", async () => {
    const t = await start();
    const servers = Array.from({ length: 10 }, (_, i) => `srv-${i}`);
    t.health("offline", ...servers);
    t.checks("offline", 2 * MIN, 10 * SEC, ...servers);
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(10);
    expect(t.notifications).toHaveLength(1);
    const [notification] = t.notifications;
    expect(notification?.alerts).toHaveLength(10);
    expect(notification?.summary).toBe(`[CRITICAL] Server offline: 10 servers firing: ${servers.join(", ")}`);
    // The dashboard still sees each alert on its own.
    expect(t.alertEvents).toHaveLength(10);
  });

  it("pages once per minute cap in a mass outage spread over many rules", async () => {
    const rules = Array.from({ length: 30 }, (_, i) => ({
      id: `cpu-${i}`,
      name: `CPU ${i}`,
      metric: "cpu_percent" as const,
      comparison: ">" as const,
      threshold: 90,
      scope: { server_id: `srv-${i}` },
    }));
    const t = await start({ rules, max_notifications_per_minute: 5, default_rules: false });
    for (let i = 0; i < 30; i++) t.bus.publish(healthUpdate(`srv-${i}`, "warning", t.clock.now(), { cpu_percent: 99 }));
    t.clock.advance(2 * SEC);
    await t.settle();
    expect(t.notifications).toHaveLength(5);
    expect(t.notifications[4]?.group).toBe("digest");
    expect(t.notifications[4]?.alerts).toHaveLength(26);
    expect(t.notifications.flatMap((n) => n.alerts)).toHaveLength(30);
  });

  it("repeats a still-firing alert every repeat_interval until it is acknowledged", async () => {
    const t = await start({ repeat_interval: 3600 });
    t.health("offline", "files");
    t.clock.advance(30 * SEC);
    t.clock.advance(2 * SEC);
    await t.settle();
    expect(t.notifications).toHaveLength(1);

    t.clock.advance(3600 * SEC - 1);
    await t.settle();
    expect(t.notifications).toHaveLength(1);
    t.clock.advance(1 + 2 * SEC);
    await t.settle();
    expect(t.notifications).toHaveLength(2);
    expect(t.notifications[1]?.alerts[0]?.repeat).toBe(true);
    expect(t.notifications[1]?.summary).toMatch(/\(still firing\)$/);

    const [alert] = await t.service.listAlerts({ state: "firing" });
    const acked = await t.service.ack(alert?.id ?? "", "oncall");
    expect(acked).toMatchObject({ acked_by: "oncall", acked_at: t.clock.now() });
    t.clock.advance(5 * 3600 * SEC);
    await t.settle();
    expect(t.notifications).toHaveLength(2);
    expect(t.alertEvents).toHaveLength(1);
  });

  it("holds a flapping alert firing instead of paging on every flip", async () => {
    const t = await start({
      default_rules: false,
      group_wait: 0,
      group_interval: 0,
      flapping: { window: 600, fires: 3, stable_for: 300 },
      rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", resolve_after_checks: 1, severity: "critical" }],
    });
    for (let i = 0; i < 10; i++) {
      t.clock.advance(10 * SEC);
      t.health(i % 2 === 0 ? "offline" : "healthy", "files");
    }
    t.clock.advance(1);
    await t.settle();
    // fire, resolve, fire, resolve, fire - then held: no more changes while it flaps.
    expect(t.alertEvents.map((event) => event.state)).toEqual(["firing", "resolved", "firing", "resolved", "firing"]);
    const [flapping] = await t.service.listAlerts({ state: "firing" });
    expect(flapping?.labels.flapping).toBe("true");

    t.checks("healthy", 299 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(1);
    t.checks("healthy", 30 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(0);
    expect(t.alertEvents.map((event) => event.state)).toEqual(["firing", "resolved", "firing", "resolved", "firing", "resolved"]);
  });

  it("raises a capabilities alert at once and resolves it after clean checks", async () => {
    const t = await start();
    t.bus.publish(healthUpdate("files", "healthy", t.clock.now()));
    t.bus.publish(capabilitiesChanged("files", t.clock.now(), ["read_file"]));
    t.bus.publish(healthUpdate("files", "healthy", t.clock.now())); // the same check: not a clean one
    await t.settle();
    const [alert] = await t.service.listAlerts({ state: "firing" });
    expect(alert).toMatchObject({ rule_id: "capabilities-changed", severity: "warning" });
    expect(alert?.summary).toBe("Capabilities changed on files: 1 capability changed (tool read_file: description changed)");

    t.checks("healthy", 10 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(1);
    t.checks("healthy", 10 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toHaveLength(0);
  });

  it("raises a crash-loop alert from server_status at once", async () => {
    const t = await start();
    t.bus.publish(serverStatus("files", "crash_loop", "backoff", t.clock.now()));
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toEqual([expect.objectContaining({ rule_id: "server-crash-loop" })]);
    t.bus.publish(serverStatus("files", "starting", "crash_loop", t.clock.now()));
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toEqual([]);
  });

  it("resolves the alerts of a server stopped on request and ignores its checks until it runs again", async () => {
    const t = await start();
    t.health("offline", "files");
    t.checks("offline", 40 * SEC, 10 * SEC, "files");
    expect(t.service.firing()).toHaveLength(1);
    t.bus.publish(serverStatus("files", "stopped", "running", t.clock.now()));
    await t.settle();
    expect(t.service.firing()).toHaveLength(0);
    expect((await t.service.listAlerts())[0]?.labels.resolution).toBe("server stopped");
    t.checks("offline", 5 * MIN, 10 * SEC, "files");
    expect(t.service.firing()).toHaveLength(0);
    t.bus.publish(serverStatus("files", "starting", "stopped", t.clock.now()));
    t.checks("offline", 40 * SEC, 10 * SEC, "files");
    expect(t.service.firing()).toHaveLength(1);
  });

  it("applies rules scoped to a server or a category only there", async () => {
    const t = await start(
      {
        default_rules: false,
        rules: [
          { id: "slow-fs", name: "Slow fs", metric: "response_time_ms", comparison: ">", threshold: 500, scope: { category: "fs" } },
          { id: "slow-web", name: "Slow web", metric: "response_time_ms", comparison: ">", threshold: 500, scope: { server_id: "web" } },
        ],
      },
      { categoryOf: (id) => (id.startsWith("fs-") ? "fs" : null) },
    );
    for (const id of ["fs-a", "web", "other"]) t.bus.publish(healthUpdate(id, "warning", t.clock.now(), { response_time_ms: 900 }));
    await t.settle();
    const firing = t.service.firing().map((alert) => `${alert.rule_id}@${alert.server_id}`).sort();
    expect(firing).toEqual(["slow-fs@fs-a", "slow-web@web"]);
    expect(t.service.firing().find((alert) => alert.server_id === "fs-a")?.labels).toMatchObject({ category: "fs", value: "900", threshold: "500" });
  });

  it("carries firing alerts over a restart and resolves them when the server recovers", async () => {
    const t = await start();
    t.health("offline", "files");
    t.checks("offline", 40 * SEC, 10 * SEC, "files");
    await t.settle();
    const [before] = await t.service.listAlerts({ state: "firing" });
    await t.restart();
    expect(t.service.firing().map((alert) => alert.alert_id)).toEqual([before?.id]);
    t.checks("healthy", 20 * SEC, 10 * SEC, "files");
    await t.settle();
    expect(await t.service.listAlerts({ state: "firing" })).toEqual([]);
    expect((await t.service.listAlerts())[0]).toMatchObject({ id: before?.id, state: "resolved" });
  });

  it("resolves alerts of a deleted rule, and at restart those of a rule that is gone", async () => {
    const t = await start({ default_rules: false });
    const rule = await t.service.createRule({ id: "cpu", name: "CPU", metric: "cpu_percent", comparison: ">", threshold: 80 });
    expect(rule).toMatchObject({ id: "cpu", source: "api", for: 0, severity: "warning", scope: "all", resolve_after_checks: 2 });
    t.bus.publish(healthUpdate("a", "warning", t.clock.now(), { cpu_percent: 95 }));
    t.bus.publish(healthUpdate("b", "warning", t.clock.now(), { cpu_percent: 95 }));
    expect(t.service.firing()).toHaveLength(2);
    await t.service.deleteRule("cpu");
    expect(t.service.firing()).toHaveLength(0);
    expect((await t.service.listAlerts()).map((alert) => alert.labels.resolution)).toEqual(["rule removed", "rule removed"]);

    await t.restart({ rules: [{ id: "mem", name: "Mem", metric: "memory_mb", comparison: ">", threshold: 10 }], default_rules: false });
    t.bus.publish(healthUpdate("a", "healthy", t.clock.now(), { memory_mb: 500 }));
    await t.settle();
    expect(t.service.firing()).toHaveLength(1);
    await t.restart({ default_rules: false });
    expect(t.service.firing()).toHaveLength(0);
    expect(await t.service.listAlerts({ state: "firing" })).toEqual([]);
  });

  it("replaces its channels on a config reload and names the settings that wait for a restart", async () => {
    const t = await start();
    const restart = t.service.applyConfig(AlertsConfigSchema.parse({ channels: [], group_by: "server" }));
    expect(restart).toEqual(["alerts.group_by"]);
    t.health("offline", "files");
    t.clock.advance(30 * SEC);
    await t.settle();
    expect(t.service.firing()).toHaveLength(1);
    // The websocket channel, there by default, is gone from the reloaded config.
    expect(t.alertEvents).toHaveLength(0);
  });

  it("resolves at start the alerts restored for a server that no longer exists", async () => {
    const registered = new Set(["files", "git"]);
    const t = await start({}, { serverExists: (id) => registered.has(id) });
    t.health("offline", "files", "git");
    t.checks("offline", 40 * SEC, 10 * SEC, "files", "git");
    await t.settle();
    expect(t.service.firing()).toHaveLength(2);
    registered.delete("files");
    await t.restart();
    expect(t.service.firing().map((alert) => alert.server_id)).toEqual(["git"]);
    const files = (await t.service.listAlerts({ server_id: "files" }))[0];
    expect(files).toMatchObject({ state: "resolved", labels: { resolution: "server removed" } });
  });

  it("leaves no repeat timer armed once stopped, even for a group flushed by the stop", async () => {
    const t = await start({ repeat_interval: 3600 });
    t.health("offline", "files");
    t.clock.advance(30 * SEC);
    await t.settle();
    // The alert fired; its group waits for group_wait, so stop() is what sends it.
    expect(t.service.firing()).toHaveLength(1);
    expect(t.notifications).toHaveLength(0);
    await t.service.stop();
    expect(t.notifications).toHaveLength(1);
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it("takes config-file rules on reload, replacing a default of the same id", async () => {
    const t = await start();
    expect(t.service.getRule("server-offline")).toMatchObject({ source: "default", for: 30 });
    t.service.applyConfig(
      (await import("../src/config/alerts-schema.js")).AlertsConfigSchema.parse({
        rules: [{ id: "server-offline", name: "Server offline", metric: "status", comparison: "==", threshold: "offline", for: 120, severity: "critical" }],
      }),
    );
    expect(t.service.getRule("server-offline")).toMatchObject({ source: "config", for: 120 });
    t.health("offline", "files");
    t.checks("offline", 90 * SEC, 10 * SEC, "files");
    expect(t.service.firing()).toHaveLength(0);
    t.checks("offline", 30 * SEC, 10 * SEC, "files");
    expect(t.service.firing()).toHaveLength(1);
  });

  it("calls every onAlert callback, survives one that throws, and stops after unsubscribe", async () => {
    const t = await start({ default_rules: false, rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline" }] });
    const seen: string[] = [];
    t.service.onAlert(() => {
      throw new Error("callback bug");
    });
    const unsubscribe = t.service.onAlert((notification) => {
      seen.push(notification.summary);
    });
    t.health("offline", "a");
    t.clock.advance(2 * SEC);
    await t.settle();
    expect(seen).toEqual(["[WARNING] Down on a: status is offline"]);
    unsubscribe();
    t.health("offline", "b");
    t.clock.advance(2 * MIN);
    await t.settle();
    expect(seen).toHaveLength(1);
    expect(t.notifications).toHaveLength(2);
  });
});
