/**
 * The daemon wires alerts in: a real server killed under the real health monitor raises an alert
 * that reaches a webhook on 127.0.0.1 and the /alerts routes, and resolves when the server is back;
 * a bad alert channel in the config file stops the daemon before anything runs, naming the field.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertNotification } from "../src/alerts/index.js";
import type { AlertEvent } from "../src/bus/index.js";
import { isAppError } from "../src/core/errors.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { serveHttp } from "./helpers/http-servers.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon | undefined;
let receiver: Server | undefined;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-alerts-daemon-");
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  for (const child of children.splice(0)) process.kill(-child.pid!, "SIGKILL");
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    receiver = undefined;
  }
  removeTempDir(dir);
});

async function webhookReceiver(): Promise<{ url: string; received: AlertNotification[] }> {
  const received: AlertNotification[] = [];
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push(JSON.parse(body) as AlertNotification);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, received };
}

describe("daemon alert wiring", () => {
  it("alerts through the webhook when a supervised server dies, and resolves when it is back", async () => {
    const hook = await webhookReceiver();
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        servers: [
          {
            id: "echo",
            command: [process.execPath, fixturePath("echo-server.mjs")],
            shutdown_timeout: 2,
            health_check_interval: 1,
            auto_restart: false,
          },
        ],
        alerts: {
          default_rules: false,
          group_wait: 0.1,
          group_interval: 0,
          rules: [{ id: "echo-down", name: "Echo down", metric: "status", comparison: "==", threshold: "offline", for: 1, severity: "critical", resolve_after_checks: 1 }],
          channels: [{ type: "websocket" }, { type: "webhook", url: hook.url, retry_initial_delay: 0.05 }],
        },
      }),
    );
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const events: AlertEvent[] = [];
    daemon.bus.subscribe("alert", (event) => void events.push(event));
    const { url } = await daemon.start();
    const pid = await waitFor(() => daemon?.manager.get("echo").pid, { timeoutMs: 15_000, message: "the echo server's pid" });

    process.kill(pid, "SIGKILL");
    await waitFor(() => hook.received.length > 0, { timeoutMs: 20_000, message: "the webhook notification" });
    expect(hook.received[0]).toMatchObject({ state: "firing", severity: "critical" });
    expect(hook.received[0]?.alerts[0]).toMatchObject({ rule_id: "echo-down", server_id: "echo" });
    expect(events.map((event) => event.state)).toEqual(["firing"]);
    const firing = (await (await fetch(`${url}/api/v1/alerts?state=firing`)).json()) as { alerts: { rule_id: string }[] };
    expect(firing.alerts.map((alert) => alert.rule_id)).toEqual(["echo-down"]);

    await daemon.manager.startServer("echo");
    await waitFor(() => events.some((event) => event.state === "resolved"), { timeoutMs: 20_000, message: "the resolution" });
    await waitFor(() => hook.received.some((notification) => notification.state === "resolved"), {
      timeoutMs: 10_000,
      message: "the resolved notification",
    });
  });

  it("raises no offline alert for a disabled server or one that exited cleanly, while a crashed one alerts", async () => {
    const configPath = join(dir, "mcp_server_configs.json");
    const server = (id: string, extra: Record<string, unknown>) => ({
      id,
      command: [process.execPath, fixturePath("crash-after.mjs")],
      shutdown_timeout: 2,
      health_check_interval: 1,
      restart: "never",
      ...extra,
    });
    writeFileSync(
      configPath,
      JSON.stringify({
        servers: [
          server("disabled", { enabled: false }),
          server("finished", { env: { EXIT_CODE: "0", CRASH_AFTER_MS: "200" } }),
          server("crashed", { env: { EXIT_CODE: "1", CRASH_AFTER_MS: "200" } }),
        ],
        alerts: {
          default_rules: false,
          group_wait: 0.1,
          group_interval: 0,
          rules: [{ id: "down", name: "Down", metric: "status", comparison: "==", threshold: "offline", for: 1, severity: "critical" }],
          channels: [{ type: "websocket" }],
        },
      }),
    );
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const fired: string[] = [];
    const offlineChecks = new Map<string, number>();
    daemon.bus.subscribe("alert", (event) => void (event.state === "firing" && fired.push(event.server_id)));
    daemon.bus.subscribe("health_update", (event) => {
      if (event.status === "offline") offlineChecks.set(event.server_id, (offlineChecks.get(event.server_id) ?? 0) + 1);
    });
    await daemon.start();
    await waitFor(() => fired.includes("crashed"), { timeoutMs: 20_000, message: "the crashed server's alert" });
    // The finished one was offline at least as long as the crashed one before it fired; the
    // disabled one, at rest, is not even checked.
    expect(daemon.manager.get("finished").state).toBe("stopped");
    expect(offlineChecks.get("finished")).toBeGreaterThan(0);
    expect(offlineChecks.get("disabled")).toBeUndefined();
    expect(fired).toEqual(["crashed"]);
  });

  it("raises one offline alert, not one per try, for a remote that is down at start, and resolves it once connected", { timeout: 120_000 }, async () => {
    const { port } = await serveHttp(children, [fixturePath("misbehaving-http.mjs"), "unavailable"], 0, "unavailable endpoint");
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        servers: [{ id: "down", url: `http://127.0.0.1:${port}/mcp`, health_check_interval: 1, restart_backoff_initial: 0.1, restart_backoff_max: 0.3 }],
        alerts: {
          default_rules: false,
          group_wait: 0.1,
          group_interval: 0,
          rules: [
            { id: "offline", name: "Offline", metric: "status", comparison: "==", threshold: "offline", for: 1, severity: "critical", resolve_after_checks: 1 },
            { id: "crash-loop", name: "Crash loop", metric: "server_state", comparison: "==", threshold: "crash_loop", for: 0, severity: "critical" },
          ],
          channels: [{ type: "websocket" }],
        },
      }),
    );
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const alerts: AlertEvent[] = [];
    daemon.bus.subscribe("alert", (event) => void alerts.push(event));
    await daemon.start();
    // More failed tries than restart_max_failures (5) allows a stdio server, and an alert for them.
    await waitFor(() => daemon!.manager.get("down").restarts >= 8 && alerts.length > 0, { timeoutMs: 60_000, message: "retries and an alert" });
    expect(daemon.manager.get("down").state).not.toBe("crash_loop");
    expect(alerts.map((event) => [event.rule_id, event.state])).toEqual([["offline", "firing"]]);

    await fetch(`http://127.0.0.1:${port}/recover`, { method: "POST" });
    await waitFor(() => alerts.some((event) => event.state === "resolved"), { timeoutMs: 60_000, message: "the resolution" });
    expect(daemon.manager.get("down").state).toBe("running");
    expect(alerts.map((event) => [event.rule_id, event.state])).toEqual([
      ["offline", "firing"],
      ["offline", "resolved"],
    ]);
  });

  it("refuses to start with a bad alert channel, naming the field, and leaves the data dir free", async () => {
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [], alerts: { channels: [{ type: "webhook", url: "not a url" }] } }));
    const error = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() }).catch(
      (caught: unknown) => caught,
    );
    expect(isAppError(error) && error.code).toBe("CONFIG_INVALID");
    expect((error as Error).message).toContain("alerts.channels[0].url: must be an absolute http(s) URL");

    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    expect(daemon.alerts.listRules().length).toBeGreaterThan(0);
  });
});
