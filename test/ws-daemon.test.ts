/**
 * /ws on a real daemon (createDaemon, port 0) supervising the echo fixture: a subscriber sees the
 * seed's health_update when the server is checked, goes offline when killed and comes back, with
 * the server_status transitions in between; with a token it connects through `?token=`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTokenService } from "../src/api/auth/token-service.js";
import { createAuthState } from "../src/api/auth/auth-state.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { fixturePath, makeTempDir, removeTempDir } from "./helpers/processes.js";
import { closeAll, WsTestClient, type WireMessage } from "./helpers/ws-client.js";

let dir: string;
let daemon: Daemon | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-ws-daemon-");
});

afterEach(async () => {
  closeAll();
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

async function startDaemon(): Promise<{ url: string; wsUrl: string }> {
  const configPath = join(dir, "mcp_server_configs.json");
  const echo = {
    id: "echo",
    command: [process.execPath, fixturePath("echo-server.mjs")],
    shutdown_timeout: 2,
    health_check_interval: 1,
    restart_backoff_initial: 0.2,
    restart_backoff_max: 0.5,
  };
  writeFileSync(configPath, JSON.stringify({ servers: [echo] }));
  daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
  const { url } = await daemon.start();
  return { url, wsUrl: `${url.replace(/^http/, "ws")}/ws` };
}

const isHealth = (status: string) => (m: WireMessage) => m.type === "health_update" && m.server_id === "echo" && m.status === status;

describe("/ws on a real daemon", () => {
  it("streams health updates when the server is checked, killed (offline) and restarted", async () => {
    const { url, wsUrl } = await startDaemon();
    const client = await WsTestClient.open(wsUrl);
    client.send({ type: "subscribe", events: ["health_updates", "server_status"] });
    await client.next((m) => m.type === "subscribed");
    await client.next(isHealth("healthy"), 20_000);

    // A check made through the API is published like a scheduled one.
    const from = client.messages.length;
    const checked = await fetch(`${url}/api/v1/mcp/servers/echo/health/check`, { method: "POST" });
    expect(checked.status).toBe(200);
    const update = await client.next(isHealth("healthy"), 10_000, from);
    expect(Object.keys(update).sort()).toEqual(["at", "metrics", "previous_status", "reasons", "server_id", "status", "type"]);
    expect(update.metrics).toMatchObject({ response_time_ms: expect.any(Number), consecutive_failures: 0 });
    expect(update.reasons).toEqual([]);

    const pid = daemon!.manager.get("echo").pid!;
    const beforeKill = client.messages.length;
    process.kill(pid, "SIGKILL");
    const offline = await client.next(isHealth("offline"), 10_000, beforeKill);
    expect(offline).toMatchObject({ type: "health_update", server_id: "echo", status: "offline", metrics: expect.any(Object) });
    expect((offline.reasons as string[]).join(" ")).toMatch(/backoff|restarting|exit|signal/i);
    const backoff = await client.next((m) => m.type === "server_status" && m.state === "backoff", 10_000, beforeKill);
    expect(backoff).toMatchObject({ server_id: "echo", previous: "running", restarts: 0 });

    await client.next((m) => m.type === "server_status" && m.state === "running" && m.restarts === 1, 20_000, beforeKill);
    await client.next(isHealth("healthy"), 20_000, client.messages.indexOf(offline));
  });

  it("takes a viewer token in the query once tokens exist, and refuses the upgrade without one", async () => {
    const { wsUrl } = await startDaemon();
    const viewer = await createTokenService(daemon!.store, systemClock, { authState: createAuthState({ repository: daemon!.store.authState, clock: systemClock }) }).create("dashboard", "viewer");
    await expect(WsTestClient.open(wsUrl)).rejects.toMatchObject({ status: 401 });
    const client = await WsTestClient.open(`${wsUrl}?token=${viewer.token}`);
    client.send({ type: "subscribe", events: ["health_updates"] });
    await client.next(isHealth("healthy"), 20_000);
  });
});
