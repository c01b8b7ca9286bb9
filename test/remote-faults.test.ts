/**
 * Remote endpoints that misbehave while a session is being opened: one that sends its headers and
 * then nothing (over SSE and over Streamable HTTP) is bounded by startup_timeout and let go at
 * once by a stop or a daemon shutdown; one that answers 503 at start is retried with capped,
 * jittered backoff for as long as it is down, never left in crash_loop. One that answers a tool
 * call with a malformed result has it refused, naming what is wrong, and stays connected.
 */
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/api/test-support/test-app.js";
import { InProcessBus, type DomainEvent } from "../src/bus/index.js";
import { parseServer } from "../src/config/validate.js";
import { ManualClock, systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { createMcpManager, type McpManager, type ServerView } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { serveHttp } from "./helpers/http-servers.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const children: ChildProcess[] = [];
let dir: string;
let store: Store | undefined;
let manager: McpManager | undefined;
let app: TestApp | undefined;
let daemon: DaemonProcess | undefined;
let events: DomainEvent[];

beforeEach(() => {
  dir = makeTempDir("pygent-remote-faults-");
  events = [];
});

afterEach(async () => {
  await app?.close();
  await manager?.stop();
  store?.close();
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL");
  for (const child of children.splice(0)) process.kill(-child.pid!, "SIGKILL");
  app = manager = store = daemon = undefined;
  removeTempDir(dir);
});

async function misbehaving(mode: "silent-sse" | "silent-http" | "unavailable"): Promise<{ base: string; requests: () => Promise<number> }> {
  const { port } = await serveHttp(children, [fixturePath("misbehaving-http.mjs"), mode], 0, `${mode} endpoint`);
  const base = `http://127.0.0.1:${port}`;
  return { base, requests: async () => ((await (await fetch(`${base}/requests`)).json()) as { requests: number }).requests };
}

/** A manager whose bus events are kept in `events`. */
function newManager(clock = systemClock, random?: () => number): McpManager {
  store = openStore(dir, clock);
  const bus = new InProcessBus();
  bus.subscribeAll((event) => events.push(event));
  manager = createMcpManager({ clock, bus, store, logger: silentLogger(), daemonInstance: newId(), ...(random ? { random } : {}) });
  return manager;
}

const SILENT = [
  ["sse", "silent-sse", "/sse"],
  ["http", "silent-http", "/mcp"],
] as const;

describe("remote endpoints that misbehave at start", { timeout: 90_000 }, () => {
  for (const [transport, mode, path] of SILENT) {
    it(`puts an endpoint that sends headers and never a message in backoff after startup_timeout (${transport})`, async () => {
      const { base } = await misbehaving(mode);
      // The clock stands still, so the backoff that follows never ends during the test.
      const m = newManager(new ManualClock());
      await m.applyConfig([parseServer({ id: "silent", transport, url: `${base}${path}`, startup_timeout: 1 })]);
      await m.start();
      const view = await waitFor(() => (m.get("silent").state === "backoff" ? m.get("silent") : undefined), { timeoutMs: 30_000, message: "backoff" });
      expect(view.reason).toMatch(/^did not .*answer initialize within 1 s \(startup_timeout\); restarting in /);
    });

    it(`stops at once, through the API, a server whose endpoint sends headers and never a message (${transport})`, async () => {
      const { base, requests } = await misbehaving(mode);
      app = await createTestApp();
      await app.manager.applyConfig([parseServer({ id: "silent", transport, url: `${base}${path}`, startup_timeout: 600 })]);
      await waitFor(async () => app!.manager.get("silent").state === "starting" && (await requests()) > 0, { timeoutMs: 30_000, message: "the connect under way" });
      const began = Date.now();
      const stopped = await app.request({ method: "POST", url: "/api/v1/mcp/servers/silent/stop" });
      expect(stopped.statusCode).toBe(200);
      expect(app.manager.get("silent").state).toBe("stopped");
      // Far under the 600 s startup_timeout and the 300 s the socket would otherwise hang for.
      expect(Date.now() - began).toBeLessThan(10_000);
    });
  }

  it("shuts the daemon down on SIGTERM without waiting for a connect that never ends", async () => {
    const { base, requests } = await misbehaving("silent-sse");
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [{ id: "silent", transport: "sse", url: `${base}/sse`, startup_timeout: 600 }] }));
    daemon = await startDaemon(join(dir, "data"), configPath);
    await waitFor(
      async () => (await daemon!.api<ServerView>("/api/v1/mcp/servers/silent")).body.state === "starting" && (await requests()) > 0,
      { timeoutMs: 30_000, message: "the connect under way" },
    );
    const began = Date.now();
    expect(await daemon.stop()).toBe(0);
    expect(Date.now() - began).toBeLessThan(15_000);
  });

  it("keeps retrying an endpoint that answers 503 at start with capped, jittered backoff, and connects once it is up", async () => {
    const { base } = await misbehaving("unavailable");
    const clock = new ManualClock();
    const m = newManager(clock, () => 0.5);
    await m.applyConfig([parseServer({ id: "down", url: `${base}/mcp`, restart_backoff_initial: 1, restart_backoff_max: 4, restart_max_failures: 2 })]);
    await m.start();
    const backoffAfter = (restarts: number) =>
      waitFor(() => (m.get("down").state === "backoff" && m.get("down").restarts === restarts ? m.get("down") : undefined), {
        timeoutMs: 30_000,
        message: `backoff after try ${restarts + 1}`,
      });
    const delays: number[] = [];
    // Far more failed tries than restart_max_failures allows a stdio server.
    for (let restarts = 0; restarts < 8; restarts++) {
      const view = await backoffAfter(restarts);
      expect(view.reason).toMatch(/^the server answered HTTP 503: /);
      delays.push(view.next_restart_at! - clock.now());
      if (restarts < 7) clock.advance(view.next_restart_at! - clock.now());
    }
    // random 0.5 takes a quarter off each doubling delay; the delay stops growing at the 4 s cap.
    expect(delays).toEqual([750, 1500, 3000, 3000, 3000, 3000, 3000, 3000]);
    expect(events.some((event) => event.type === "server_status" && event.state === "crash_loop")).toBe(false);
    await fetch(`${base}/recover`, { method: "POST" });
    clock.advance(delays[7]!);
    const running = await waitFor(() => (m.get("down").state === "running" ? m.get("down") : undefined), { timeoutMs: 30_000, message: "running once up" });
    expect(running.restarts).toBe(8);
    expect(JSON.stringify((await m.callTool("down", "echo", { text: "up at last" })).content)).toContain("up at last");
  });
});

describe("a remote endpoint that answers a tool call wrongly", { timeout: 60_000 }, () => {
  it("refuses each malformed result over Streamable HTTP naming the field, counts it as failed, and keeps the session", async () => {
    const { port } = await serveHttp(children, [fixturePath("malformed-results.mjs"), "http"], 0, "malformed-results endpoint");
    const m = newManager();
    await m.applyConfig([parseServer({ id: "bad", transport: "http", url: `http://127.0.0.1:${port}/mcp` })]);
    await m.start();
    await waitFor(() => (m.get("bad").state === "running" ? true : undefined), { timeoutMs: 30_000, message: "running" });
    const wrong: [string, RegExp][] = [
      ["content_not_list", /content is not a list/],
      ["text_not_string", /content\[1\]\.text is not a string/],
      ["unknown_block", /content\[0\] is of an unknown type "hologram"/],
      ["deep", /nested deeper than \d+ levels/],
    ];
    for (const [tool, problem] of wrong) {
      const error = await m.callTool("bad", tool, {}).then(
        () => undefined,
        (failure: unknown) => failure as { code?: string; message: string },
      );
      expect(error?.code, tool).toBe("TOOL_RESULT_INVALID");
      expect(error?.message).toContain(`server "bad" answered ${tool} with`);
      expect(error?.message).toMatch(problem);
    }
    expect((await m.callTool("bad", "fine", {})).content).toEqual([{ type: "text", text: "fine" }]);
    const outcomes = events.flatMap((event) => (event.type === "tool_called" ? [event.outcome] : []));
    expect(outcomes).toEqual(["failed", "failed", "failed", "failed", "ok"]);
    expect(m.get("bad").state).toBe("running");
  });
});
