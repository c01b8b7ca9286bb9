// The webhook channel against a real HTTP receiver on 127.0.0.1: signed bodies, retries on 500,
// a receiver that hangs or is down (closed port) never delays evaluation, and failures are logged
// without the URL or the secret.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertNotification } from "../src/alerts/index.js";
import { healthUpdate } from "../src/alerts/test-support.js";
import { AlertsConfigSchema, type AlertsConfigInput } from "../src/config/alerts-schema.js";
import { sleep } from "../src/core/clock.js";
import { startAlertService, type AlertServiceHarness } from "./helpers/alert-service-harness.js";
import { freePort } from "./helpers/network.js";
import { fixturePath } from "./helpers/processes.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A receiver that answers each request with the next status of `statuses` (the last repeats); "hang" never answers. */
async function receiver(statuses: (number | "hang")[] = [200]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      if (status === "hang") return;
      response.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "nope");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/pygent-s3cr3t-path`, received };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Setup extends AlertServiceHarness {
  callbacks: AlertNotification[];
}

/** A service on the real clock (the waits under test are the receiver's), down rule firing at once. */
async function setup(channels: AlertsConfigInput["channels"], extra: AlertsConfigInput = {}, queueCapacity?: number): Promise<Setup> {
  const harness = await startAlertService("pygent-alerts-webhook-", {
    environment: { HOOK_SECRET: "topsecret-value" },
    ...(queueCapacity === undefined ? {} : { queueCapacity }),
    config: AlertsConfigSchema.parse({
      default_rules: false,
      group_wait: 0,
      group_interval: 0,
      rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", severity: "critical" }],
      channels,
      ...extra,
    }),
  });
  cleanups.push(harness.close);
  const callbacks: AlertNotification[] = [];
  harness.service.onAlert((notification) => {
    callbacks.push(notification);
  });
  return { ...harness, callbacks };
}

describe("webhook channel", () => {
  it("POSTs the notification as JSON with an HMAC-SHA256 signature of the body", async () => {
    const hook = await receiver();
    const { bus, service } = await setup([{ type: "webhook", url: hook.url, secret: "${HOOK_SECRET}" }]);
    bus.publish(healthUpdate("files", "offline", Date.now()));
    await until(() => hook.received.length === 1, "the webhook");
    await service.idle();

    const [request] = hook.received;
    expect(request?.headers["content-type"]).toBe("application/json");
    const expected = `sha256=${createHmac("sha256", "topsecret-value").update(request?.body ?? "").digest("hex")}`;
    expect(request?.headers["x-pygent-signature"]).toBe(expected);
    const notification = JSON.parse(request?.body ?? "{}") as AlertNotification;
    expect(request?.headers["x-pygent-notification"]).toBe(notification.id);
    expect(notification).toMatchObject({ state: "firing", severity: "critical", group: "rule:down", summary: "[CRITICAL] Down on files: status is offline" });
    expect(notification.alerts).toEqual([expect.objectContaining({ rule_id: "down", server_id: "files", state: "firing" })]);
  });

  it("retries with backoff while the receiver answers 500, then delivers once", async () => {
    const hook = await receiver([500, 503, 200]);
    const { bus, service, logs } = await setup([{ type: "webhook", url: hook.url, retries: 3, retry_initial_delay: 0.02, retry_max_delay: 0.1 }]);
    bus.publish(healthUpdate("files", "offline", Date.now()));
    await until(() => hook.received.length === 3, "three attempts");
    await service.idle();
    await sleep(100);
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((request) => request.body)).size).toBe(1);
    const retries = logs.filter((line) => line.includes("will retry"));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toContain("receiver answered 500");
    expect(logs.some((line) => line.includes("could not be delivered"))).toBe(false);
  });

  it("does not retry a 400", async () => {
    const hook = await receiver([400]);
    const { bus, service, logs } = await setup([{ type: "webhook", url: hook.url, retry_initial_delay: 0.02 }]);
    bus.publish(healthUpdate("files", "offline", Date.now()));
    await until(() => logs.some((line) => line.includes("could not be delivered")), "the failure log");
    await service.idle();
    expect(hook.received).toHaveLength(1);
  });

  it("never delays evaluation when the receiver is down, and logs the failure without URL or secret", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks/pygent-s3cr3t-path`;
    const { bus, service, logs, callbacks } = await setup(
      [{ type: "webhook", url, secret: "${HOOK_SECRET}", retries: 2, retry_initial_delay: 0.05, timeout: 2 }],
      { group_by: "rule_and_server" },
    );
    const started = performance.now();
    for (let i = 0; i < 50; i++) bus.publish(healthUpdate(`srv-${i}`, "offline", Date.now()));
    const elapsed = performance.now() - started;
    // Evaluation is synchronous and already done: every alert fired during the publishes.
    expect(service.firing()).toHaveLength(50);
    expect(elapsed).toBeLessThan(1000);

    // Other channels are not held up by the webhook's retries.
    await until(() => callbacks.length > 0, "the callback channel");
    await until(() => logs.some((line) => line.includes("could not be delivered")), "the failure log");
    const failure = logs.find((line) => line.includes("could not be delivered")) ?? "";
    expect(JSON.parse(failure)).toMatchObject({ level: 40, channel: "webhook", err: "ECONNREFUSED" });
    const all = logs.join("\n");
    expect(all).not.toContain("s3cr3t-path");
    expect(all).not.toContain("topsecret-value");
  });

  it("gives up on a receiver that hangs after the timeout, and bounds its queue", async () => {
    const hook = await receiver(["hang"]);
    const { bus, service, logs } = await setup(
      [{ type: "webhook", url: hook.url, retries: 0, timeout: 0.3 }],
      { group_by: "rule_and_server" },
      2,
    );
    for (let i = 0; i < 6; i++) bus.publish(healthUpdate(`srv-${i}`, "offline", Date.now()));
    await until(() => logs.some((line) => line.includes("request timed out")), "the timeout");
    expect(logs.filter((line) => line.includes("queue is full")).length).toBeGreaterThan(0);
    await until(() => logs.some((line) => line.includes("could not be delivered")), "failures");
    expect(service.firing()).toHaveLength(6);
  });
});

describe("webhook timeout under garbage-collection pressure", () => {
  it("fires the channel's timeout against a receiver that never answers, however hard the collector works", async () => {
    // A child Node with --expose-gc collecting every 20 ms: the timeout must not be collected away.
    const child = spawn(process.execPath, ["--expose-gc", fixturePath("webhook-timeout-under-gc.mjs"), "1"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    // Far beyond the 1 s timeout on any machine; without a working deadline the send never ends.
    const killer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    const [code] = (await once(child, "exit")) as [number | null];
    clearTimeout(killer);
    expect(code, "the send never ended: the timeout did not fire").toBe(0);
    const result = JSON.parse(out) as { outcome: string; elapsed_ms: number };
    expect(result.outcome).toBe("failed: request timed out");
    expect(result.elapsed_ms).toBeGreaterThanOrEqual(1000);
  }, 30_000);
});
