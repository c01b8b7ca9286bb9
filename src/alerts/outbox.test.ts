// The outbox's cap and expiry on a ManualClock, with a real webhook receiver on 127.0.0.1 and a
// real SQLite store; and the redaction of receiver URLs in the errors it keeps.
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/helpers/webhook-receiver.js";
import type { AlertsConfigInput } from "../config/alerts-schema.js";
import { redactError } from "./outbox.js";
import { alertHarness, channelState, type AlertHarness } from "./test-support.js";

const SEC = 1000;

let h: AlertHarness | undefined;
let hook: WebhookReceiver | undefined;
afterEach(async () => {
  await h?.close();
  await hook?.stop();
  h = undefined;
  hook = undefined;
});

/** One notification per server at once, one attempt per send, the outbox retrying every 600 s. */
async function start(outbox: AlertsConfigInput["outbox"]): Promise<{ t: AlertHarness; receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver();
  hook = receiver;
  receiver.failWith = 503;
  const t = await alertHarness({
    default_rules: false,
    group_wait: 0,
    group_interval: 0,
    group_by: "rule_and_server",
    rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", severity: "critical" }],
    channels: [{ type: "webhook", id: "ops", url: receiver.url, retries: 0, timeout: 5 }],
    outbox: { retry_initial_delay: 600, retry_max_delay: 600, ...outbox },
  });
  h = t;
  return { t, receiver };
}

const ops = (t: AlertHarness) => channelState(t.service, "ops");

describe("alert outbox", () => {
  it("drops the oldest pending notifications beyond max_pending, counts them, and delivers the rest in order", async () => {
    const { t, receiver } = await start({ max_pending: 3 });
    t.health("offline", "s1");
    t.clock.advance(0);
    await waitFor(async () => (await ops(t)).pending === 1, { timeoutMs: 10_000, message: "the first notification kept" });

    t.health("offline", "s2", "s3", "s4", "s5");
    t.clock.advance(0);
    await t.settle();
    expect(await ops(t)).toMatchObject({ state: "failing", pending: 3, dropped: 2 });
    expect(receiver.requests).toHaveLength(1);

    receiver.failWith = null;
    t.clock.advance(600 * SEC);
    await waitFor(() => receiver.accepted().length === 3, { timeoutMs: 10_000, message: "the kept notifications delivered" });
    expect(receiver.accepted().map((notification) => notification.alerts[0]?.server_id)).toEqual(["s3", "s4", "s5"]);
    await waitFor(async () => (await ops(t)).pending === 0, { timeoutMs: 10_000, message: "an empty outbox" });
    expect(await ops(t)).toMatchObject({ state: "ok", delivered: 3, dropped: 2, expired: 0 });
  });

  it("retries with backoff until max_age, then expires the notification unsent", async () => {
    const { t, receiver } = await start({ max_age: 3600 });
    t.health("offline", "files");
    t.clock.advance(0);
    await waitFor(async () => (await ops(t)).pending === 1, { timeoutMs: 10_000, message: "the notification kept" });
    expect(receiver.requests).toHaveLength(1);

    t.clock.advance(599 * SEC);
    await t.settle();
    expect(receiver.requests).toHaveLength(1);
    t.clock.advance(1 * SEC);
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 10_000, message: "the outbox's retry" });
    await waitFor(async () => (await t.store.alertOutbox.head("ops"))?.attempts === 2, { timeoutMs: 10_000, message: "the retry recorded" });

    t.clock.advance(3000 * SEC + 1);
    await waitFor(async () => (await ops(t)).expired === 1, { timeoutMs: 10_000, message: "the notification expired" });
    expect(await ops(t)).toMatchObject({ pending: 0, expired: 1, delivered: 0 });
    expect(await t.store.alertOutbox.head("ops")).toBeUndefined();
    receiver.failWith = null;
    t.clock.advance(3600 * SEC);
    await t.settle();
    expect(receiver.accepted()).toEqual([]);
  });

  it("keeps only the scheme and host of a URL in an error", () => {
    expect(redactError("POST https://bot:hunter2@hooks.example.com/services/T0/B1/XyZ?token=abc failed: 500")).toBe(
      "POST https://hooks.example.com/[redacted] failed: 500",
    );
    expect(redactError("receiver answered 503")).toBe("receiver answered 503");
  });
});
