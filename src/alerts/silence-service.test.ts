// Silences in the alert service, on a ManualClock with a real store: a silenced alert is recorded
// and listed with its silence but reaches no channel; when the silence is expired or runs out
// while the alert still fires, the alert is notified then; maintenance windows recur; silences
// survive a restart.
import { afterEach, describe, expect, it } from "vitest";
import type { AlertsConfigInput } from "../config/alerts-schema.js";
import { alertHarness, type AlertHarness } from "./test-support.js";

const CONFIG: AlertsConfigInput = {
  default_rules: false,
  rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", for: 0, severity: "critical", resolve_after_checks: 1 }],
  group_wait: 1,
  group_interval: 1,
};

let h: AlertHarness;
afterEach(async () => {
  await h.close();
});

const HOUR = 3_600_000;

async function fireDown(serverId: string): Promise<void> {
  h.health("offline", serverId);
  h.clock.advance(1500);
  await h.settle();
}

describe("alert silences", () => {
  it("records a silenced alert with its silence but notifies no channel, then notifies it when the silence is expired", async () => {
    h = await alertHarness(CONFIG);
    const silence = await h.service.createSilence({ matchers: [{ name: "server_id", value: "web-*", glob: true }], duration: 3600, comment: "deploy" }, "ops");
    expect(silence).toMatchObject({ state: "active", created_by: "ops", starts_at: new Date(h.clock.now()).toISOString() });

    await fireDown("web-1");
    await fireDown("db");
    const listed = await h.service.listAlerts({ state: "firing" });
    expect(listed.map((alert) => [alert.server_id, alert.silenced_by])).toEqual(
      expect.arrayContaining([
        ["web-1", silence.id],
        ["db", null],
      ]),
    );
    expect(h.notifications.flatMap((notification) => notification.alerts.map((alert) => alert.server_id))).toEqual(["db"]);
    expect(h.alertEvents.map((event) => event.server_id)).toEqual(["db"]);

    h.clock.advance(10 * 60_000);
    await h.settle();
    expect(h.notifications.flatMap((notification) => notification.alerts.map((alert) => alert.server_id))).toEqual(["db"]);

    const expired = await h.service.expireSilence(silence.id);
    expect(expired.state).toBe("expired");
    h.clock.advance(1500);
    await h.settle();
    expect(h.alertEvents.map((event) => `${event.server_id}:${event.state}`)).toEqual(["db:firing", "web-1:firing"]);
    expect(h.notifications.at(-1)?.alerts.map((alert) => `${alert.server_id}:${alert.state}`)).toEqual(["web-1:firing"]);
    expect((await h.service.listAlerts({ state: "firing" })).every((alert) => alert.silenced_by === null)).toBe(true);
  });

  it("notifies an alert still firing when its silence runs out, and nothing for one that resolved under it", async () => {
    h = await alertHarness(CONFIG);
    await h.service.createSilence({ matchers: [{ name: "rule_id", value: "down" }], duration: 3600, comment: "maintenance" }, "ops");
    await fireDown("a");
    await fireDown("b");
    h.health("healthy", "b");
    h.clock.advance(1500);
    await h.settle();
    expect(h.notifications).toEqual([]);

    h.clock.advance(HOUR);
    await h.settle();
    h.clock.advance(1500);
    await h.settle();
    expect(h.notifications.flatMap((notification) => notification.alerts.map((alert) => `${alert.server_id}:${alert.state}`))).toEqual(["a:firing"]);
    expect(h.service.listSilences("expired")).toHaveLength(1);
  });

  it("does not notify an alert acknowledged while silenced when the silence ends", async () => {
    h = await alertHarness(CONFIG);
    const silence = await h.service.createSilence({ matchers: [{ name: "server_id", value: "a" }], duration: 3600, comment: "known" }, "ops");
    await fireDown("a");
    const [alert] = await h.service.listAlerts({ state: "firing" });
    await h.service.ack(alert!.id, "ops");
    await h.service.expireSilence(silence.id);
    h.clock.advance(1500);
    await h.settle();
    expect(h.notifications).toEqual([]);
  });

  it("holds notifications inside a recurring maintenance window only, and keeps silences across a restart", async () => {
    h = await alertHarness(CONFIG);
    // The ManualClock starts at 2026-01-01T00:00Z, a Thursday.
    const window = await h.service.createSilence(
      { matchers: [{ name: "severity", value: "critical" }], window: { days: ["thu"], start: "02:00", duration: 7200 }, comment: "nightly backup" },
      "ops",
    );
    expect(window).toMatchObject({ state: "pending", ends_at: null, next_change_at: "2026-01-01T02:00:00.000Z" });

    h.clock.advance(2 * HOUR + 60_000);
    expect(h.service.listSilences("active").map((silence) => silence.id)).toEqual([window.id]);
    await fireDown("a");
    expect(h.notifications).toEqual([]);

    await h.restart(CONFIG);
    expect(h.service.listSilences("active").map((silence) => silence.id)).toEqual([window.id]);
    h.clock.advance(2 * HOUR);
    await h.settle();
    h.clock.advance(1500);
    await h.settle();
    expect(h.service.listSilences().find((silence) => silence.id === window.id)).toMatchObject({ state: "pending", next_change_at: "2026-01-08T02:00:00.000Z" });
    expect(h.notifications.flatMap((notification) => notification.alerts.map((alert) => `${alert.server_id}:${alert.state}`))).toEqual(["a:firing"]);
  });

  it("refuses an end in the past, and an unknown silence with SILENCE_NOT_FOUND", async () => {
    h = await alertHarness(CONFIG);
    await expect(
      h.service.createSilence({ matchers: [{ name: "server_id", value: "a" }], ends_at: "2025-12-31T23:00:00Z", comment: "late" }, "ops"),
    ).rejects.toMatchObject({ code: "VALIDATION_FAILED", details: { issues: [{ field: "ends_at", message: "must be in the future" }] } });
    await expect(h.service.expireSilence("nope")).rejects.toMatchObject({ code: "SILENCE_NOT_FOUND" });
  });
});
