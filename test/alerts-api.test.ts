// The /api/v1/alerts routes over the real app (app.inject), the real alert service and SQLite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BUILTIN_CHANNELS, ChannelRegistry, createAlertService, defineChannel, type AlertService } from "../src/alerts/index.js";
import { healthUpdate } from "../src/alerts/test-support.js";
import { buildApp } from "../src/api/app.js";
import { createTokenService } from "../src/api/auth/token-service.js";
import { createAuthState } from "../src/api/auth/auth-state.js";
import { InProcessBus } from "../src/bus/index.js";
import { AlertsConfigSchema, type AlertsConfigInput } from "../src/config/alerts-schema.js";
import { ManualClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";

const PORT = 8080;
const base = "/api/v1/alerts";

interface Api {
  app: FastifyInstance;
  store: Store;
  bus: InProcessBus;
  clock: ManualClock;
  alerts: AlertService;
  manager: McpManager;
  dir: string;
}

let api: Api;

async function build(config: AlertsConfigInput, dir = mkdtempSync(join(tmpdir(), "pygent-alerts-api-")), registry?: ChannelRegistry): Promise<Api> {
  const clock = new ManualClock();
  const store = openStore(dir, clock);
  const bus = new InProcessBus();
  const logger = silentLogger();
  const manager = createMcpManager({ clock, bus, store, logger, environment: {}, daemonInstance: "test" });
  const alerts = createAlertService({ bus, store, clock, logger, config: AlertsConfigSchema.parse(config), ...(registry ? { registry } : {}) });
  await alerts.start();
  const app = await buildApp({
    manager,
    store,
    logger,
    clock,
    version: "0.0.0-test",
    startedAt: clock.now(),
    bind: { host: "127.0.0.1", port: PORT },
    alerts,
  });
  return { app, store, bus, clock, alerts, manager, dir };
}

async function close(target: Api, removeDir = true): Promise<void> {
  await target.app.close();
  await target.alerts.stop();
  await target.manager.stop();
  target.bus.close();
  target.store.close();
  if (removeDir) rmSync(target.dir, { recursive: true, force: true });
}

const CONFIG: AlertsConfigInput = {
  rules: [{ id: "from-file", name: "From file", metric: "cpu_percent", comparison: ">", threshold: 95 }],
};

beforeEach(async () => {
  api = await build(CONFIG);
});
afterEach(async () => {
  await close(api);
});

function request(options: InjectOptions) {
  return api.app.inject({ ...options, headers: { host: `127.0.0.1:${PORT}`, ...options.headers } });
}

function issues(body: string): { field: string; message: string }[] {
  return (JSON.parse(body) as { error: { details: { issues: { field: string; message: string }[] } } }).error.details.issues;
}

const cpuRule = { id: "cpu-high", name: "CPU high", metric: "cpu_percent", comparison: ">", threshold: 90, for: 120, severity: "critical" };

describe("alert rule routes", () => {
  it("lists built-in and config-file rules with their source", async () => {
    const response = await request({ method: "GET", url: `${base}/rules` });
    expect(response.statusCode).toBe(200);
    const rules = response.json().rules as { id: string; source: string }[];
    expect(rules.map((rule) => `${rule.source}:${rule.id}`)).toEqual([
      "default:capabilities-changed",
      "default:config-rejected",
      "default:server-crash-loop",
      "default:server-critical",
      "default:server-degraded",
      "default:server-offline",
      "default:storage-full",
      "config:from-file",
    ]);
  });

  it("creates a rule, fills its defaults, stores it, and keeps it across a restart", async () => {
    const created = await request({ method: "POST", url: `${base}/rules`, payload: cpuRule });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ ...cpuRule, scope: "all", resolve_after_checks: 2, enabled: true, source: "api", created_at: api.clock.now() });

    const generated = await request({ method: "POST", url: `${base}/rules`, payload: { name: "No id", metric: "memory_mb", comparison: ">=", threshold: 512 } });
    expect(generated.statusCode).toBe(201);
    expect(generated.json().id).toMatch(/^[0-9a-f-]{36}$/);

    const dir = api.dir;
    await close(api, false);
    api = await build(CONFIG, dir);
    const again = await request({ method: "GET", url: `${base}/rules/cpu-high` });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: "cpu-high", for: 120, source: "api" });
  });

  it("names each bad field of a new rule", async () => {
    const response = await request({
      method: "POST",
      url: `${base}/rules`,
      payload: { id: "bad", name: "Bad", metric: "status", comparison: ">", threshold: 3, for: -1, colour: "red" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("VALIDATION_FAILED");
    expect(issues(response.body)).toEqual(
      expect.arrayContaining([
        { field: "for", message: "must be 0 or more" },
        { field: "(root)", message: 'unknown field "colour"' },
      ]),
    );
    const words = await request({ method: "POST", url: `${base}/rules`, payload: { ...cpuRule, metric: "latency", severity: "page" } });
    expect(issues(words.body)).toEqual([
      { field: "metric", message: "must be one of status, response_time_ms, cpu_percent, memory_mb, error_rate, consecutive_failures, capabilities_changed, server_state, storage_full, config_rejected" },
      { field: "severity", message: "must be one of info, warning, critical" },
    ]);
    const unknown = await request({ method: "POST", url: `${base}/rules`, payload: { id: "x", name: "X", metric: "status", comparison: "==", threshold: "down" } });
    expect(issues(unknown.body)).toEqual([{ field: "threshold", message: "must be one of healthy, warning, critical, unknown, offline for metric status" }]);
    const missing = await request({ method: "POST", url: `${base}/rules`, payload: { name: "X" } });
    expect(issues(missing.body).map((issue) => `${issue.field}: ${issue.message}`)).toEqual(
      expect.arrayContaining(["metric: is required", "comparison: is required", "threshold: is required"]),
    );
  });

  it("refuses a taken id with 409 RULE_EXISTS", async () => {
    await request({ method: "POST", url: `${base}/rules`, payload: cpuRule });
    for (const id of ["cpu-high", "server-offline", "from-file"]) {
      const response = await request({ method: "POST", url: `${base}/rules`, payload: { ...cpuRule, id } });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe("RULE_EXISTS");
    }
  });

  it("changes an API rule, checking the merged rule as a whole", async () => {
    await request({ method: "POST", url: `${base}/rules`, payload: cpuRule });
    const changed = await request({ method: "PATCH", url: `${base}/rules/cpu-high`, payload: { threshold: 80, enabled: false } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ threshold: 80, enabled: false, for: 120, name: "CPU high" });

    const idChange = await request({ method: "PATCH", url: `${base}/rules/cpu-high`, payload: { id: "other" } });
    expect(idChange.statusCode).toBe(400);
    const mismatch = await request({ method: "PATCH", url: `${base}/rules/cpu-high`, payload: { metric: "status" } });
    expect(mismatch.statusCode).toBe(400);
    expect(issues(mismatch.body)).toEqual([
      { field: "threshold", message: "must be one of healthy, warning, critical, unknown, offline for metric status" },
      { field: "comparison", message: "must be == or != for metric status" },
    ]);
  });

  it("keeps built-in and config-file rules read-only with 409 RULE_CONFIG_MANAGED", async () => {
    for (const id of ["server-offline", "from-file"]) {
      const patch = await request({ method: "PATCH", url: `${base}/rules/${id}`, payload: { threshold: 1 } });
      expect(patch.statusCode).toBe(409);
      expect(patch.json().error.code).toBe("RULE_CONFIG_MANAGED");
      const remove = await request({ method: "DELETE", url: `${base}/rules/${id}` });
      expect(remove.statusCode).toBe(409);
      expect(remove.json().error).toMatchObject({ code: "RULE_CONFIG_MANAGED", details: { source: id === "from-file" ? "config" : "default" } });
    }
  });

  it("deletes an API rule; an unknown id is 404 RULE_NOT_FOUND and a malformed one 400 INVALID_ID", async () => {
    await request({ method: "POST", url: `${base}/rules`, payload: cpuRule });
    const removed = await request({ method: "DELETE", url: `${base}/rules/cpu-high` });
    expect(removed.statusCode).toBe(204);
    for (const method of ["GET", "PATCH", "DELETE"] as const) {
      const response = await request({ method, url: `${base}/rules/cpu-high`, ...(method === "PATCH" ? { payload: { threshold: 1 } } : {}) });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe("RULE_NOT_FOUND");
    }
    const bad = await request({ method: "GET", url: `${base}/rules/bad..id` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INVALID_ID");
  });
});

describe("alert routes", () => {
  function goOffline(...servers: string[]): void {
    for (const id of servers) api.bus.publish(healthUpdate(id, "offline", api.clock.now()));
    api.clock.advance(30_000);
  }

  it("lists firing alerts and history, filtered by state and server", async () => {
    goOffline("a", "b");
    api.clock.advance(10_000);
    api.bus.publish(healthUpdate("a", "healthy", api.clock.now()));
    api.bus.publish(healthUpdate("a", "healthy", api.clock.now()));

    const all = await request({ method: "GET", url: base });
    expect(all.statusCode).toBe(200);
    expect(all.json().alerts).toHaveLength(2);
    const firing = await request({ method: "GET", url: `${base}?state=firing` });
    expect(firing.json().alerts.map((alert: { server_id: string }) => alert.server_id)).toEqual(["b"]);
    const resolved = await request({ method: "GET", url: `${base}?state=resolved&server_id=a` });
    expect(resolved.json().alerts).toEqual([
      expect.objectContaining({ server_id: "a", rule_id: "server-offline", state: "resolved", severity: "critical", resolved_at: api.clock.now() }),
    ]);
    const limited = await request({ method: "GET", url: `${base}?limit=1` });
    expect(limited.json().alerts).toHaveLength(1);

    const one = await request({ method: "GET", url: `${base}/${firing.json().alerts[0].id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ server_id: "b", state: "firing", labels: { rule_name: "Server offline" } });
  });

  it("names a bad query field", async () => {
    const response = await request({ method: "GET", url: `${base}?state=broken&limit=0` });
    expect(response.statusCode).toBe(400);
    expect(issues(response.body).map((issue) => issue.field).sort()).toEqual(["limit", "state"]);
  });

  it("acknowledges an alert, once, and stops its reminders", async () => {
    goOffline("a");
    const [alert] = (await request({ method: "GET", url: `${base}?state=firing` })).json().alerts as { id: string }[];
    const acked = await request({ method: "POST", url: `${base}/${alert?.id}/ack`, payload: { by: "sam" } });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ id: alert?.id, acked_by: "sam", acked_at: api.clock.now() });
    api.clock.advance(1000);
    const again = await request({ method: "POST", url: `${base}/${alert?.id}/ack` });
    expect(again.json()).toMatchObject({ acked_by: "sam", acked_at: api.clock.now() - 1000 });

    const missing = await request({ method: "POST", url: `${base}/nope/ack` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("ALERT_NOT_FOUND");
    expect((await request({ method: "GET", url: `${base}/nope` })).json().error.code).toBe("ALERT_NOT_FOUND");
  });

  it("records the token's name on ack, and needs the operator role", async () => {
    const tokens = createTokenService(api.store, api.clock, { authState: createAuthState({ repository: api.store.authState, clock: api.clock }) });
    const viewer = await tokens.create("dashboard", "viewer");
    const operator = await tokens.create("oncall-bot", "operator");
    goOffline("a");
    const list = await request({ method: "GET", url: `${base}?state=firing`, headers: { authorization: `Bearer ${viewer.token}` } });
    expect(list.statusCode).toBe(200);
    const id = (list.json().alerts as { id: string }[])[0]?.id;
    const denied = await request({ method: "POST", url: `${base}/${id}/ack`, headers: { authorization: `Bearer ${viewer.token}` } });
    expect(denied.statusCode).toBe(403);
    const createRule = await request({ method: "POST", url: `${base}/rules`, payload: cpuRule, headers: { authorization: `Bearer ${operator.token}` } });
    expect(createRule.statusCode).toBe(403);
    const acked = await request({
      method: "POST",
      url: `${base}/${id}/ack`,
      payload: { by: "someone-else" },
      headers: { authorization: `Bearer ${operator.token}` },
    });
    expect(acked.statusCode).toBe(200);
    expect(acked.json().acked_by).toBe("oncall-bot");
  });
});

describe("alert channel routes", () => {
  /** A receiver-backed channel whose errors quote its URL, credentials and token included. */
  const leaky = defineChannel({
    type: "leaky",
    delivery: "grouped",
    durable: true,
    schema: z.object({}).strict(),
    create: (_config, context) => ({
      id: context.id,
      async send() {
        throw new Error("POST https://bot:hunter2@hooks.example.com/services/T0/XyZ?token=abc refused");
      },
    }),
  });

  it("lists each channel's delivery state and outbox counts, with no secret in the error", async () => {
    await close(api);
    api = await build(
      {
        default_rules: false,
        group_wait: 0,
        rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline" }],
        channels: [{ type: "websocket" }, { type: "leaky", id: "chat" }],
      },
      undefined,
      new ChannelRegistry([...BUILTIN_CHANNELS, leaky]),
    );
    api.bus.publish(healthUpdate("files", "offline", api.clock.now()));
    api.clock.advance(0);
    await api.alerts.idle();

    const response = await request({ method: "GET", url: `${base}/channels` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).not.toContain("hunter2");
    expect(response.body).not.toContain("token=abc");
    const channels = response.json().channels as { id: string }[];
    expect(channels.find((channel) => channel.id === "chat")).toEqual({
      id: "chat",
      type: "leaky",
      delivery: "grouped",
      durable: true,
      state: "failing",
      last_success_at: null,
      last_failure_at: api.clock.now(),
      last_error: "POST https://hooks.example.com/[redacted] refused",
      pending: 1,
      delivered: 0,
      expired: 0,
      dropped: 0,
    });
    expect(channels.find((channel) => channel.id === "websocket")).toMatchObject({ type: "websocket", durable: false, state: "ok", delivered: 1, pending: 0 });
    // Failed everywhere it could reach someone: not notified.
    expect((await api.alerts.listAlerts())[0]).toMatchObject({ server_id: "files", last_notified_at: null });
  });
});
