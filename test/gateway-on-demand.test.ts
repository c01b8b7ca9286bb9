/**
 * On-demand servers behind the gateway, in one process: the real app listening on loopback, the
 * real manager running the echo fixture over stdio, a ManualClock for the idle time, and official
 * SDK clients over Streamable HTTP on /mcp; then once in a real daemon (`pygent serve` from
 * dist/) reached by the SDK's legacy SSE client.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";
import { InProcessBus, type ServerStatusEvent } from "../src/bus/index.js";
import { ManualClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { parseServer } from "../src/config/validate.js";
import { createMcpManager } from "../src/mcp/index.js";
import { openStore } from "../src/store/index.js";
import { startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { closedAfterEach, listenOnLoopback, textOf } from "./helpers/gateway-apps.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const scope = closedAfterEach();

const IDLE_STOP_S = 60;

async function onDemandApp(clock: ManualClock): Promise<{ app: TestApp; url: URL; statuses: ServerStatusEvent[] }> {
  const app = scope.app(await createTestApp({ clock, gateway: {} }));
  const statuses: ServerStatusEvent[] = [];
  app.bus.subscribe("server_status", (event) => void statuses.push(event));
  const { id, ...config } = echoEntry("lazy", { start: "on_demand", idle_stop: IDLE_STOP_S });
  await app.manager.registerServer(id as string, config);
  return { app, url: new URL("/mcp", await listenOnLoopback(app)), statuses };
}

async function connect(url: URL): Promise<Client> {
  const client = new Client({ name: "on-demand-test", version: "1.0.0" });
  scope.client(client);
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** The REST tool-call route, over the listening port. */
async function restCall(url: URL, tool: string, args: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(`/api/v1/mcp/servers/lazy/tools/${tool}/call`, url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ arguments: args }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function startedEvents(app: TestApp): Promise<{ detail: string | null }[]> {
  return (await app.manager.events("lazy", 100)).filter((event) => event.kind === "started");
}

describe("on-demand servers behind the gateway", { timeout: 60_000 }, () => {
  it("is not running after its tools are listed once, is listed through /mcp, and the first calls share one start", async () => {
    const clock = new ManualClock();
    const { app, url } = await onDemandApp(clock);

    // Registered with no snapshot yet: started once to list its tools, then stopped again.
    const rest = app.manager.get("lazy");
    expect(rest).toMatchObject({ state: "stopped", tools_count: 2 });
    expect(rest.reason).toMatch(/^on demand: starts at its first call/);
    expect(await startedEvents(app)).toHaveLength(1);

    const client = await connect(url);
    expect((await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.startsWith("lazy__"))).toEqual(["lazy__echo", "lazy__add"]);
    expect(app.manager.get("lazy").state).toBe("stopped");
    expect(app.gateway!.status()).toMatchObject({ servers: 1, tools: 2 });

    const [first, second] = await Promise.all([
      client.callTool({ name: "lazy__echo", arguments: { text: "one" } }),
      client.callTool({ name: "lazy__add", arguments: { a: 2, b: 3 } }),
    ]);
    expect(textOf(first)).toBe("one");
    expect(textOf(second)).toBe("5");
    expect(app.manager.get("lazy").state).toBe("running");
    const started = await startedEvents(app);
    expect(started).toHaveLength(2);
    expect(started[0]?.detail).toMatch(/^pid \d+; started on demand in \d+ ms$/);
    expect(app.manager.logs("lazy").map((line) => line.line)).toEqual(expect.arrayContaining([expect.stringMatching(/^started on demand in \d+ ms$/)]));
  });

  it("stops after idle_stop seconds without calls, as a stop with reason idle and no restart, and the next call starts it again", async () => {
    const clock = new ManualClock();
    const { app, url, statuses } = await onDemandApp(clock);
    const client = await connect(url);
    expect(textOf(await client.callTool({ name: "lazy__echo", arguments: { text: "wake" } }))).toBe("wake");
    expect(app.manager.get("lazy").state).toBe("running");

    clock.advance((IDLE_STOP_S - 1) * 1000);
    expect(app.manager.get("lazy").state).toBe("running");
    // A call restarts the idle time.
    expect(textOf(await client.callTool({ name: "lazy__echo", arguments: { text: "again" } }))).toBe("again");
    clock.advance((IDLE_STOP_S - 1) * 1000);
    expect(app.manager.get("lazy").state).toBe("running");

    const seen = statuses.length;
    clock.advance(2000);
    await waitFor(() => (app.manager.get("lazy").state === "stopped" ? true : undefined), { timeoutMs: 20_000, message: "idle stop" });
    const stopped = app.manager.get("lazy");
    expect(stopped.reason).toBe(`idle: no calls for ${IDLE_STOP_S} s; starts again at its next call`);
    expect(statuses.slice(seen).map((event) => event.state)).toEqual(["stopping", "stopped"]);
    const [last] = await app.manager.events("lazy", 1);
    expect(last).toMatchObject({ kind: "stopped", detail: stopped.reason });

    // Not a failure: nothing restarts it, however long it stays idle.
    clock.advance(3600 * 1000);
    expect(app.manager.get("lazy").state).toBe("stopped");
    expect(statuses.slice(seen).map((event) => event.state)).toEqual(["stopping", "stopped"]);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("lazy__echo");

    // The REST call route starts it too.
    const response = await restCall(url, "add", { a: 1, b: 1 });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ content: [{ type: "text", text: "2" }], is_error: false });
    expect(app.manager.get("lazy").state).toBe("running");
  });

  it("is not stopped while a call is in flight: the idle time counts from the end of the last call", async () => {
    const clock = new ManualClock();
    const { app } = await onDemandApp(clock);
    const slow = fixtureServer("slow", "slow-server.mjs", { start: "on_demand", idle_stop: IDLE_STOP_S });
    const { id, ...config } = slow;
    await app.manager.registerServer(id as string, config);
    expect(app.manager.get("slow").state).toBe("stopped");

    const call = app.manager.callTool("slow", "sleep", { ms: 1500 });
    await waitFor(() => (app.manager.get("slow").state === "running" ? true : undefined), { timeoutMs: 20_000, message: "started by the call" });
    clock.advance(IDLE_STOP_S * 2 * 1000);
    expect(textOf(await call)).toBe("slept 1500 ms");
    expect(app.manager.get("slow").state).toBe("running");

    clock.advance((IDLE_STOP_S - 1) * 1000);
    expect(app.manager.get("slow").state).toBe("running");
    clock.advance(2000);
    await waitFor(() => (app.manager.get("slow").state === "stopped" ? true : undefined), { timeoutMs: 20_000, message: "idle stop" });
  });

  it("answers a call whose on-demand start fails with an error naming the server and the reason", async () => {
    const clock = new ManualClock();
    const { app, url } = await onDemandApp(clock);
    await app.manager.updateServer("lazy", { command: [process.execPath, "-e", "process.exit(3)"] });
    const client = await connect(url);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("lazy__echo");
    await expect(client.callTool({ name: "lazy__echo", arguments: { text: "x" } })).rejects.toThrow(
      /server "lazy" starts on demand and could not be started: .*code 3/,
    );
    const response = await restCall(url, "echo", { text: "x" });
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ code: "SERVER_START_FAILED" });
  });

  it("keeps its last tool list across daemon restarts, so a known server is not started at the daemon's start", async () => {
    const dir = makeTempDir("pygent-on-demand-");
    const clock = new ManualClock();
    const config = parseServer(echoEntry("lazy", { start: "on_demand" }));
    const run = async () => {
      const store = openStore(dir, clock);
      const bus = new InProcessBus();
      const manager = createMcpManager({ clock, bus, store, logger: silentLogger(), daemonInstance: newId() });
      await manager.applyConfig([config]);
      await manager.start();
      return { store, bus, manager };
    };
    try {
      const first = await run();
      await waitFor(async () => ((await first.manager.events("lazy", 10)).some((event) => event.kind === "stopped") ? true : undefined), {
        timeoutMs: 20_000,
        message: "tools listed once",
      });
      await first.manager.stop();
      first.bus.close();
      first.store.close();

      const second = await run();
      try {
        expect(second.manager.get("lazy")).toMatchObject({ state: "stopped", tools_count: 2 });
        expect(second.manager.capabilities("lazy")?.tools.map((tool) => tool.name)).toEqual(["echo", "add"]);
        expect((await second.manager.events("lazy", 10)).filter((event) => event.kind === "started")).toHaveLength(1);
        expect(textOf(await second.manager.callTool("lazy", "echo", { text: "back" }))).toBe("back");
      } finally {
        await second.manager.stop();
        second.bus.close();
        second.store.close();
      }
    } finally {
      removeTempDir(dir);
    }
  });
});

describe("an on-demand server in the daemon", { timeout: 90_000 }, () => {
  let dir: string | undefined;
  let daemon: DaemonProcess | undefined;
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    if (dir) removeTempDir(dir);
    dir = undefined;
  });

  it("rests stopped with health unknown once its tools are listed, and an older client over /sse starts it with a call", async () => {
    dir = makeTempDir("pygent-on-demand-daemon-");
    const config = join(dir, "mcp_server_configs.json");
    writeFileSync(config, JSON.stringify({ servers: [fixtureServer("lazy", "echo-server.mjs", { start: "on_demand", idle_stop: 600, health_check_interval: 1 })] }));
    const running = (daemon = await startDaemon(join(dir, "data"), config));

    const resting = await waitFor(
      async () => {
        const { body } = await running.api<{ state: string; reason: string | null; tools_count: number | null }>("/api/v1/mcp/servers/lazy");
        return body.state === "stopped" && body.tools_count === 2 ? body : undefined;
      },
      { timeoutMs: 30_000, message: "tools listed once, then stopped" },
    );
    expect(resting.reason).toMatch(/^on demand: starts at its first call/);
    const health = await waitFor(
      async () => {
        const { body } = await running.api<{ status: string; reasons: string[] }>("/api/v1/mcp/servers/lazy/health");
        return body.reasons.length > 0 ? body : undefined;
      },
      { timeoutMs: 30_000, message: "a health status" },
    );
    expect(health).toMatchObject({ status: "unknown", reasons: [expect.stringMatching(/^server is stopped: on demand/)] });

    const client = scope.client(new Client({ name: "older-client", version: "1.0.0" }));
    await client.connect(new SSEClientTransport(new URL("/sse", running.url)));
    expect((await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.startsWith("lazy__"))).toEqual(["lazy__echo", "lazy__add"]);
    expect(textOf(await client.callTool({ name: "lazy__echo", arguments: { text: "awake" } }))).toBe("awake");
    expect((await running.api<{ state: string }>("/api/v1/mcp/servers/lazy")).body.state).toBe("running");
  });
});
