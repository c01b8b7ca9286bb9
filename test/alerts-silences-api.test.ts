// Silences over real HTTP on 127.0.0.1 (the real app, alert service and SQLite in a temp dir, a
// ManualClock for the alert timers) with a real webhook receiver: a silenced alert is recorded and
// listed as silenced but never delivered; expiring the silence delivers it, and a later alert is
// delivered as usual. Bad input is a 400 naming the field; every change is in the audit log.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAlertService, type AlertListing, type AlertService, type SilenceView } from "../src/alerts/index.js";
import { healthUpdate } from "../src/alerts/test-support.js";
import { buildApp } from "../src/api/app.js";
import { createAuthState } from "../src/api/auth/auth-state.js";
import { createTokenService } from "../src/api/auth/token-service.js";
import { InProcessBus } from "../src/bus/index.js";
import { AlertsConfigSchema } from "../src/config/alerts-schema.js";
import { ManualClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver.js";

interface Daemonish {
  app: FastifyInstance;
  url: string;
  store: Store;
  bus: InProcessBus;
  clock: ManualClock;
  alerts: AlertService;
  manager: McpManager;
  receiver: WebhookReceiver;
  dir: string;
}

let t: Daemonish;

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), "pygent-silences-"));
  const receiver = await startWebhookReceiver();
  const clock = new ManualClock();
  const store = openStore(dir, clock);
  const bus = new InProcessBus();
  const logger = silentLogger();
  const manager = createMcpManager({ clock, bus, store, logger, environment: {}, daemonInstance: "test" });
  const config = AlertsConfigSchema.parse({
    default_rules: false,
    rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", for: 0, severity: "critical", resolve_after_checks: 1 }],
    channels: [{ type: "webhook", id: "ops", url: receiver.url, retries: 0, timeout: 5 }],
    group_wait: 1,
    group_interval: 1,
  });
  const alerts = createAlertService({ bus, store, clock, logger, config });
  await alerts.start();
  const app = await buildApp({ manager, store, logger, clock, version: "0.0.0-test", startedAt: clock.now(), bind: { host: "127.0.0.1", port: 0 }, alerts });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  t = { app, url, store, bus, clock, alerts, manager, receiver, dir };
});

afterEach(async () => {
  await t.app.close();
  await t.alerts.stop();
  await t.manager.stop();
  t.bus.close();
  t.store.close();
  await t.receiver.stop();
  rmSync(t.dir, { recursive: true, force: true });
});

/** Any answer of these routes, read as the assertions need it: a silence, a list, or an error. */
type Answer = SilenceView & {
  alerts: AlertListing[];
  silences: SilenceView[];
  error: { code: string; details: { issues: { field: string; message: string }[]; required_role?: string; role?: string } };
};

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Answer };
}

/** The server goes offline; the group waits out group_wait; whatever is due is sent. */
async function goesOffline(serverId: string): Promise<void> {
  t.bus.publish(healthUpdate(serverId, "offline", t.clock.now()));
  await passGroupWait();
}

async function passGroupWait(): Promise<void> {
  t.clock.advance(1500);
  await t.alerts.idle();
}

const deliveredServers = () => t.receiver.accepted().flatMap((notification) => notification.alerts.map((alert) => `${alert.server_id}:${alert.state}`));

describe("POST /api/v1/alerts/silences", () => {
  it("keeps a silenced alert on record but off the webhook, delivers it when the silence is expired, and a later alert as usual", async () => {
    const created = await call("POST", "/alerts/silences", {
      matchers: [{ name: "server_id", value: "web-*", glob: true }],
      duration: 7200,
      comment: "rolling deploy of the web tier",
      created_by: "dana",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ state: "active", created_by: "dana", ends_at: new Date(t.clock.now() + 7200_000).toISOString() });
    const id = created.body.id;

    await goesOffline("web-1");
    const firing = await call("GET", "/alerts?state=firing");
    expect(firing.body.alerts).toEqual([expect.objectContaining({ server_id: "web-1", state: "firing", silenced_by: id })]);
    expect(t.receiver.requests).toEqual([]);

    const active = await call("GET", "/alerts/silences?state=active");
    expect(active.body.silences.map((silence) => silence.id)).toEqual([id]);
    expect((await call("GET", "/alerts/silences?state=expired")).body.silences).toEqual([]);

    const expired = await call("DELETE", `/alerts/silences/${id}`);
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ id, state: "expired", next_change_at: null });
    await passGroupWait();
    await vi.waitFor(() => expect(deliveredServers()).toEqual(["web-1:firing"]), { timeout: 5000 });
    expect((await call("GET", "/alerts?state=firing")).body.alerts[0]?.silenced_by).toBeNull();

    await goesOffline("web-2");
    await vi.waitFor(() => expect(deliveredServers()).toEqual(["web-1:firing", "web-2:firing"]), { timeout: 5000 });

    expect((await call("DELETE", "/alerts/silences/no-such-silence")).body.error.code).toBe("SILENCE_NOT_FOUND");

    const audit = await vi.waitFor(
      async () => {
        const rows = await t.store.audit.query({ limit: 100 });
        expect(rows.filter((row) => row.action.includes("/alerts/silences"))).toHaveLength(3);
        return rows;
      },
      { timeout: 5000 },
    );
    const actions = audit.filter((row) => row.action.includes("/alerts/silences")).map((row) => [row.action, row.target, row.ok]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ["POST /api/v1/alerts/silences", null, true],
        ["DELETE /api/v1/alerts/silences/:id", id, true],
        ["DELETE /api/v1/alerts/silences/:id", "no-such-silence", false],
      ]),
    );
  });

  it("answers bad input with 400 naming each field, and stores nothing", async () => {
    const issues = async (body: unknown) => {
      const response = await call("POST", "/alerts/silences", body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
      return response.body.error.details.issues.map((issue) => `${issue.field}: ${issue.message}`);
    };
    const base = { matchers: [{ name: "server_id", value: "web" }], comment: "deploy", duration: 600 };
    expect(await issues({ ...base, duration: undefined, starts_at: "2026-01-01T12:00:00Z", ends_at: "2026-01-01T10:00:00Z" })).toEqual(["ends_at: must be after starts_at"]);
    expect(await issues({ ...base, matchers: [{ name: "host", value: "web" }] })).toEqual(["matchers[0].name: must be one of rule_id, server_id, severity"]);
    expect(await issues({ ...base, matchers: [] })).toEqual([
      "matchers: must name at least one matcher (rule_id, server_id or severity); a silence of everything is not allowed",
    ]);
    expect(await issues({ ...base, duration: undefined, window: { days: ["sun"], start: "01:00", duration: 700_000 } })).toEqual([
      "window.duration: must be at most 604800 (a week)",
    ]);
    expect(await issues({ ...base, duration: undefined, ends_at: "2025-12-31T00:00:00Z" })).toEqual(["ends_at: must be in the future"]);
    expect(await issues({ ...base, until: "later" })).toEqual(['(root): unknown field "until"']);
    expect((await call("GET", "/alerts/silences")).body.silences).toEqual([]);
    expect((await call("GET", "/alerts/silences?state=sleeping")).status).toBe(400);
  });
});

describe("silences with auth on", () => {
  it("lets a viewer list them, and only an operator create or expire one, recorded under the token's name", async () => {
    const tokens = createTokenService(t.store, t.clock, { authState: createAuthState({ repository: t.store.authState, clock: t.clock }) });
    const viewer = (await tokens.create("wallboard", "viewer")).token;
    const operator = (await tokens.create("oncall", "operator")).token;
    const body = { matchers: [{ name: "rule_id", value: "down" }], duration: 600, comment: "failover drill", created_by: "someone else" };

    const refused = await call("POST", "/alerts/silences", body, viewer);
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toMatchObject({ required_role: "operator", role: "viewer" });
    const created = await call("POST", "/alerts/silences", body, operator);
    expect(created.status).toBe(201);
    expect(created.body.created_by).toBe("oncall");
    expect((await call("GET", "/alerts/silences", undefined, viewer)).body.silences).toHaveLength(1);
    expect((await call("DELETE", `/alerts/silences/${created.body.id}`, undefined, viewer)).status).toBe(403);
    expect((await call("DELETE", `/alerts/silences/${created.body.id}`, undefined, operator)).body.state).toBe("expired");
  });
});

describe("pygent alerts silences", () => {
  it("adds with matchers, a duration and a comment, lists, expires, and names a bad field", async () => {
    const cli = (...args: string[]) => runCliCaptured(["alerts", "silences", ...args, "--url", t.url]);
    const empty = await cli("list");
    expect(empty.stdout).toContain("No silences. Add one with: pygent alerts silences add");

    const added = await cli("add", "--matcher", "server=web-*", "--matcher", "severity=critical", "--duration", "2h", "--comment", "kernel upgrade", "--json");
    expect(added.code, added.stderr).toBe(0);
    const silence = JSON.parse(added.stdout) as { id: string; matchers: unknown; ends_at: string };
    expect(silence.matchers).toEqual([
      { name: "server_id", value: "web-*", glob: true },
      { name: "severity", value: "critical", glob: false },
    ]);
    expect(silence.ends_at).toBe(new Date(t.clock.now() + 2 * 3_600_000).toISOString());

    const listed = await cli("list", "--state", "active");
    const row = listed.stdout.split("\n").find((line) => line.startsWith(silence.id));
    expect(row).toMatch(/ active +server_id~web-\*, severity=critical /);
    expect(listed.stdout).toContain("kernel upgrade");

    const expired = await cli("expire", silence.id);
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout).toContain(`Expired silence ${silence.id}`);
    expect((await cli("list", "--state", "expired")).stdout).toContain(silence.id);

    const backwards = await cli("add", "--matcher", "rule=down", "--start", "2026-01-02T10:00:00Z", "--end", "2026-01-02T09:00:00Z", "--comment", "x");
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain("ends_at: must be after starts_at");
    const window = await cli("add", "--matcher", "rule=down", "--window", "thu 02:00 2h", "--time-zone", "Europe/Berlin", "--comment", "backup", "--json");
    expect(window.code, window.stderr).toBe(0);
    expect(JSON.parse(window.stdout)).toMatchObject({
      window: { days: ["thu"], start: "02:00", duration: 7200, time_zone: "Europe/Berlin" },
      ends_at: null,
      // The clock reads 2026-01-01T00:00Z, a Thursday: 02:00 in Berlin is 01:00 UTC.
      next_change_at: "2026-01-01T01:00:00.000Z",
    });
    const badZone = await cli("add", "--matcher", "rule=down", "--window", "thu 02:00 2h", "--time-zone", "Mars/Olympus", "--comment", "x");
    expect(badZone.stderr).toContain("window.time_zone: must be UTC or an IANA time zone");
    const unknownKey = await cli("add", "--matcher", "host=web", "--duration", "1h", "--comment", "x");
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain("KEY server, rule or severity");
  });
});
