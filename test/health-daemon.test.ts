/**
 * The daemon wires the health monitor in: started after the servers, serving the health routes,
 * following config reloads, stopped before the servers (in-process, on a real port).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HealthUpdateEvent } from "../src/bus/index.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon | undefined;

const echo = (extra: Record<string, unknown> = {}) => ({
  id: "echo",
  command: [process.execPath, fixturePath("echo-server.mjs")],
  shutdown_timeout: 2,
  health_check_interval: 1,
  ...extra,
});

beforeEach(() => {
  dir = makeTempDir("pygent-health-daemon-");
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

describe("daemon health wiring", () => {
  it("monitors the configured servers and serves their health", async () => {
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [echo()], health: { thresholds: { cpu_percent: { warning: 90 } } } }));
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const updates: HealthUpdateEvent[] = [];
    daemon.bus.subscribe("health_update", (event) => void updates.push(event));
    const { url } = await daemon.start();
    await waitFor(() => updates.some((event) => event.server_id === "echo" && event.status === "healthy"), {
      timeoutMs: 15_000,
      message: "a healthy update from the daemon's monitor",
    });
    const server = (await (await fetch(`${url}/api/v1/mcp/servers/echo/health`)).json()) as { status: string; thresholds: { cpu_percent: { warning: number } } };
    expect(server.status).toBe("healthy");
    expect(server.thresholds.cpu_percent.warning).toBe(90);
    const overall = (await (await fetch(`${url}/api/v1/health`)).json()) as { status: string; components: Record<string, unknown> };
    expect(Object.keys(overall.components)).toHaveLength(6);
    expect(overall.status).toBe("healthy");

    // A reloaded health section applies without a restart.
    writeFileSync(configPath, JSON.stringify({ servers: [echo()], health: { thresholds: { cpu_percent: { warning: 70 } } } }));
    await waitFor(() => daemon!.health.current("echo").thresholds.cpu_percent.warning === 70, {
      timeoutMs: 10_000,
      message: "the reloaded thresholds",
    });
  });
});
