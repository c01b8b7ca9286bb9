// The notification outbox against a real webhook receiver on 127.0.0.1 and real SQLite files: a
// notification refused through all of the channel's retries waits in the outbox, its alert not
// marked notified, and reaches the receiver exactly once, in order, when it comes back, also
// when the daemon was restarted in between.
import { afterEach, describe, expect, it } from "vitest";
import type { AlertNotification } from "../src/alerts/index.js";
import { channelState, healthUpdate } from "../src/alerts/test-support.js";
import { AlertsConfigSchema, type AlertsConfigInput } from "../src/config/alerts-schema.js";
import { sleep, systemClock } from "../src/core/clock.js";
import { openStore } from "../src/store/index.js";
import { startAlertService, type AlertServiceHarness } from "./helpers/alert-service-harness.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  cleanups.push(() => started.stop());
  return started;
}

/** One notification per server at once; three attempts per send; the outbox retries quickly. */
function config(url: string, outbox: AlertsConfigInput["outbox"] = {}) {
  return AlertsConfigSchema.parse({
    default_rules: false,
    group_wait: 0,
    group_interval: 0,
    group_by: "rule_and_server",
    rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", severity: "critical" }],
    channels: [{ type: "webhook", id: "ops", url, retries: 2, retry_initial_delay: 0.01, retry_max_delay: 0.02, timeout: 5 }],
    outbox: { retry_initial_delay: 0.05, retry_max_delay: 0.2, ...outbox },
  });
}

async function service(url: string, dir?: string): Promise<AlertServiceHarness> {
  const harness = await startAlertService("pygent-alerts-outbox-", { config: config(url) }, dir);
  cleanups.push(harness.close);
  return harness;
}

const ops = (harness: AlertServiceHarness) => channelState(harness.service, "ops");

describe("alert notification outbox", () => {
  it("keeps a notification refused three times, leaves its alert unnotified, and delivers it once, in order, when the receiver recovers", async () => {
    const hook = await receiver();
    hook.failWith = 503;
    const harness = await service(hook.url);
    const { bus, service: alerts } = harness;

    bus.publish(healthUpdate("first", "offline", Date.now()));
    await waitFor(async () => (await ops(harness)).pending === 1, { timeoutMs: 10_000, message: "the first notification in the outbox" });
    expect(hook.requests.filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(3);
    expect(hook.accepted()).toEqual([]);
    const [first] = await alerts.listAlerts();
    expect(first).toMatchObject({ server_id: "first", state: "firing", last_notified_at: null });
    expect(await ops(harness)).toMatchObject({ state: "failing", last_success_at: null, last_error: "receiver answered 503", delivered: 0 });

    // A second notification waits behind the first rather than overtaking it.
    bus.publish(healthUpdate("second", "offline", Date.now()));
    await waitFor(async () => (await ops(harness)).pending === 2, { timeoutMs: 10_000, message: "the second notification in the outbox" });
    const serversTried = () => new Set(hook.requests.map((request) => (JSON.parse(request.body) as AlertNotification).alerts[0]?.server_id));
    expect(serversTried()).toEqual(new Set(["first"]));

    hook.failWith = null;
    await waitFor(() => hook.accepted().length === 2, { timeoutMs: 10_000, message: "both notifications delivered" });
    await waitFor(async () => (await ops(harness)).pending === 0, { timeoutMs: 10_000, message: "an empty outbox" });
    // Long enough for any duplicate the redelivery loop (retrying every 0.2 s at most) would send.
    await sleep(500);
    const accepted = hook.accepted();
    expect(accepted.map((notification) => notification.alerts.map((alert) => alert.server_id))).toEqual([["first"], ["second"]]);
    expect(new Set(accepted.map((notification) => notification.id)).size).toBe(2);
    await alerts.idle();
    for (const alert of await alerts.listAlerts()) expect(alert.last_notified_at).not.toBeNull();
    expect(await ops(harness)).toMatchObject({ state: "ok", pending: 0, delivered: 2, expired: 0, dropped: 0 });
  });

  it("delivers what one daemon could not send from the next one, after a restart over the same database file", async () => {
    const hook = await receiver();
    await hook.stop(); // connections to its port are refused
    const dir = makeTempDir("pygent-alerts-outbox-restart-");
    cleanups.push(() => removeTempDir(dir));

    const before = await service(hook.url, dir);
    before.bus.publish(healthUpdate("files", "offline", Date.now()));
    await waitFor(async () => (await ops(before)).pending === 1, { timeoutMs: 10_000, message: "the notification in the outbox" });
    expect((await ops(before)).last_error).toBe("ECONNREFUSED");
    const [alert] = await before.service.listAlerts();
    await before.close();
    cleanups.splice(cleanups.indexOf(before.close), 1);

    const store = openStore(dir, systemClock);
    const kept = await store.alertOutbox.head("ops");
    store.close();
    expect(kept).toMatchObject({ channel_id: "ops", state: "pending", alert_ids: [alert?.id] });
    expect(kept?.attempts).toBeGreaterThanOrEqual(1);

    await hook.listen();
    const after = await service(hook.url, dir);
    await waitFor(() => hook.accepted().length === 1, { timeoutMs: 10_000, message: "the delivery by the next daemon" });
    await sleep(500);
    expect(hook.accepted()).toHaveLength(1);
    expect(hook.accepted()[0]?.alerts).toEqual([expect.objectContaining({ alert_id: alert?.id, server_id: "files", state: "firing" })]);
    await after.service.idle();
    expect((await after.service.getAlert(alert?.id ?? "")).last_notified_at).not.toBeNull();
    expect(await ops(after)).toMatchObject({ state: "ok", pending: 0, delivered: 1 });
  });
});
