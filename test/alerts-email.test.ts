// The email channel against a real SMTP server (the smtp-server package) on 127.0.0.1: the mail
// arrives and parses, the password comes from ${VAR} and is checked, temporary rejections are
// retried, a bad password is not, a mail rejected through every retry waits in the outbox until the
// server takes it, and no secret reaches the logs.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { healthUpdate } from "../src/alerts/test-support.js";
import { AlertsConfigSchema, type AlertsConfigInput } from "../src/config/alerts-schema.js";
import { sleep } from "../src/core/clock.js";
import { startAlertService, type AlertServiceHarness } from "./helpers/alert-service-harness.js";
import { waitFor } from "./helpers/processes.js";

interface Mail {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  raw: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real SMTP server; rejects the first `rejectFirst` messages with a temporary 451. */
async function smtp(options: { rejectFirst?: number } = {}): Promise<{ port: number; mails: Mail[]; attempts: () => number }> {
  const mails: Mail[] = [];
  let attempts = 0;
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "alerts" && auth.password === "smtp-pass-123") callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        attempts++;
        if (attempts <= (options.rejectFirst ?? 0)) {
          const error = Object.assign(new Error("Try again later"), { responseCode: 451 });
          callback(error);
          return;
        }
        const from = session.envelope.mailFrom;
        mails.push({
          from: from === false ? undefined : from.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, mails, attempts: () => attempts };
}

/** Headers (unfolded, lower-case names) and the decoded text body of a raw message. */
function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = raw.slice(split + 4);
  if (headers["content-transfer-encoding"] === "quoted-printable") {
    text = text.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return { headers, text: text.replace(/\r\n/g, "\n") };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function setup(port: number, pass = "${SMTP_PASS}", outbox: AlertsConfigInput["outbox"] = {}): Promise<AlertServiceHarness> {
  const harness = await startAlertService("pygent-alerts-email-", {
    environment: { SMTP_PASS: "smtp-pass-123" },
    config: AlertsConfigSchema.parse({
      default_rules: false,
      group_wait: 0.2,
      rules: [{ id: "down", name: "Server down", metric: "status", comparison: "==", threshold: "offline", severity: "critical" }],
      channels: [
        {
          type: "email",
          host: "127.0.0.1",
          port,
          auth: { user: "alerts", pass },
          from: "PyGent <pygent@example.test>",
          to: ["oncall@example.test", "lead@example.test"],
          timeout: 5,
          retries: 2,
          retry_initial_delay: 0.05,
        },
      ],
      outbox,
    }),
  });
  cleanups.push(harness.close);
  return harness;
}

describe("email channel", () => {
  it("sends one mail per notification to a real SMTP server, authenticated with a ${VAR} password", async () => {
    const server = await smtp();
    const { bus, service } = await setup(server.port);
    bus.publish(healthUpdate("files", "offline", Date.now()));
    await until(() => server.mails.length === 1, "the mail");
    await service.idle();

    const [mail] = server.mails;
    expect(mail?.user).toBe("alerts");
    expect(mail?.from).toBe("pygent@example.test");
    expect(mail?.to).toEqual(["oncall@example.test", "lead@example.test"]);
    const { headers, text } = parseMail(mail?.raw ?? "");
    expect(headers.subject).toBe("[PyGent] [CRITICAL] Server down on files: status is offline");
    expect(headers.to).toBe("oncall@example.test, lead@example.test");
    expect(text).toContain("FIRING  critical  Server down on files: status is offline");
    expect(text).toContain("  rule: Server down (down)");
    expect(text).toContain(`  alert id: ${service.firing()[0]?.alert_id}`);
  });

  it("sends ten servers going down together as one mail", async () => {
    const server = await smtp();
    const { bus, service } = await setup(server.port);
    for (let i = 0; i < 10; i++) bus.publish(healthUpdate(`srv-${i}`, "offline", Date.now()));
    await until(() => server.mails.length === 1, "the mail");
    await service.idle();
    await sleep(300);
    expect(server.mails).toHaveLength(1);
    const { headers, text } = parseMail(server.mails[0]?.raw ?? "");
    expect(headers.subject).toBe(
      "[PyGent] [CRITICAL] Server down: 10 servers firing: srv-0, srv-1, srv-2, srv-3, srv-4, srv-5, srv-6, srv-7, srv-8, srv-9",
    );
    expect(text.match(/^FIRING/gm)).toHaveLength(10);
  });

  it("retries a temporary rejection and delivers", async () => {
    const server = await smtp({ rejectFirst: 1 });
    const { bus, service, logs } = await setup(server.port);
    bus.publish(healthUpdate("files", "offline", Date.now()));
    await until(() => server.mails.length === 1, "the mail");
    await service.idle();
    expect(server.attempts()).toBe(2);
    expect(logs.filter((line) => line.includes("email delivery failed; will retry"))).toHaveLength(1);
  });

  it("does not retry a refused login, and logs no password", async () => {
    const server = await smtp();
    const { bus, service, logs } = await setup(server.port, "wrong-password-xyz");
    bus.publish(healthUpdate("files", "offline", Date.now()));
    await until(() => logs.some((line) => line.includes("could not be delivered")), "the failure log");
    await service.idle();
    expect(server.mails).toHaveLength(0);
    expect(logs.some((line) => line.includes("will retry"))).toBe(false);
    const all = logs.join("\n");
    expect(all).not.toContain("wrong-password-xyz");
    expect(all).not.toContain("smtp-pass-123");
  });

  it("keeps a mail rejected through every retry in the outbox and sends it once when the server takes mail again", async () => {
    const server = await smtp({ rejectFirst: 3 });
    const { bus, service } = await setup(server.port, "${SMTP_PASS}", { retry_initial_delay: 1, retry_max_delay: 1 });
    bus.publish(healthUpdate("files", "offline", Date.now()));
    const kept = async () => (await service.channelStates()).find((channel) => channel.type === "email");
    await waitFor(async () => (await kept())?.last_error?.includes("451"), { timeoutMs: 10_000, message: "the mail kept" });
    expect(server.attempts()).toBe(3);
    const [alert] = await service.listAlerts();
    expect(server.mails).toHaveLength(0);
    expect(alert?.last_notified_at).toBeNull();
    expect(await kept()).toMatchObject({ state: "failing", pending: 1 });

    await until(() => server.mails.length === 1, "the mail from the outbox");
    await sleep(500);
    expect(server.mails).toHaveLength(1);
    expect(parseMail(server.mails[0]?.raw ?? "").text).toContain(`  alert id: ${alert?.id}`);
    await service.idle();
    expect((await service.getAlert(alert?.id ?? "")).last_notified_at).not.toBeNull();
    expect(await kept()).toMatchObject({ state: "ok", pending: 0, delivered: 1 });
    expect(JSON.stringify(await service.channelStates())).not.toContain("smtp-pass-123");
  });
});
