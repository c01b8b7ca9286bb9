/**
 * The MCP Manager against real servers: the four official ones, and fixture servers that exit,
 * crash, hang, print garbage, ignore SIGTERM or leave grandchildren behind.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InProcessBus, type DomainEvent } from "../src/bus/index.js";
import { starterServers } from "../src/config/starter.js";
import { parseServer } from "../src/config/validate.js";
import { systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { fixturePath, isAlive, makeTempDir, readPidFile, removeTempDir, waitFor } from "./helpers/processes.js";

const node = process.execPath;

let dir: string;
let store: Store;
let bus: InProcessBus;
let events: DomainEvent[];
let manager: McpManager | undefined;

function newManager(instance = newId()): McpManager {
  manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: instance });
  return manager;
}

const stateOf = (id: string) => manager!.get(id).state;

beforeEach(() => {
  dir = makeTempDir("pygent-manager-");
  store = openStore(dir, systemClock);
  bus = new InProcessBus();
  events = [];
  bus.subscribeAll((event) => events.push(event));
});

afterEach(async () => {
  await manager?.stop();
  manager = undefined;
  store.close();
  removeTempDir(dir);
});

describe("MCP manager", () => {
  it("runs the four official servers and records what they serve", async () => {
    const m = newManager();
    await m.start();
    for (const server of starterServers(dir)) await m.registerServer(server.id, server);
    for (const view of m.list()) {
      expect(view.state, `${view.id}: ${view.reason}`).toBe("running");
      expect(view.pid).toBeGreaterThan(0);
      expect(view.tools_count).toBeGreaterThan(0);
    }
    const caps = m.capabilities("everything");
    expect(caps?.server_name).toBeTruthy();
    expect(caps?.tools.some((tool) => tool.name === "echo")).toBe(true);
    expect(caps?.protocol_version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const result = await m.callTool("everything", "echo", { message: "hello from pygent" });
    expect(JSON.stringify(result.content)).toContain("hello from pygent");
    expect(events.some((e) => e.type === "server_status" && e.server_id === "memory" && e.state === "running")).toBe(true);
  });

  it("restarts a server killed with -9 after its backoff, with a new pid", async () => {
    const m = newManager();
    await m.start();
    const first = await m.registerServer("echo", fixtureServer("echo", "echo-server.mjs"));
    expect(first.state).toBe("running");
    process.kill(first.pid!, "SIGKILL");
    await waitFor(() => stateOf("echo") === "backoff", { timeoutMs: 5000, message: "backoff after kill -9" });
    expect(m.get("echo").reason).toMatch(/SIGKILL/);
    const again = await waitFor(() => (stateOf("echo") === "running" ? m.get("echo") : undefined), {
      timeoutMs: 10_000,
      message: "running again",
    });
    expect(again.pid).not.toBe(first.pid);
    expect(again.restarts).toBe(1);
    const kinds = (await m.events("echo")).map((event) => event.kind);
    expect(kinds).toEqual(expect.arrayContaining(["started", "exited", "restarted"]));
  });

  it("gives up with crash_loop when a server keeps exiting at once", async () => {
    const m = newManager();
    await m.start();
    await m.registerServer("bad", fixtureServer("bad", "exits-immediately.mjs", { restart_max_failures: 3, restart_window: 60 }));
    await waitFor(() => stateOf("bad") === "crash_loop", { timeoutMs: 15_000, message: "crash_loop" });
    const view = m.get("bad");
    expect(view.reason).toMatch(/4 failures within 60 s/);
    expect(view.reason).toMatch(/exited with code 3/);
    expect(view.restarts).toBe(3);
    expect(m.logs("bad").some((line) => line.stream === "stderr")).toBe(true);
  });

  it("gives the error message as the reason of an uncaught error, not the Node.js footer, mid-run and at start", async () => {
    const m = newManager();
    await m.start();
    const once = { auto_restart: false };
    await m.registerServer("dies", fixtureServer("dies", "throws-uncaught.mjs", once));
    await waitFor(() => stateOf("dies") === "failed", { timeoutMs: 15_000, message: "dies to fail" });
    expect(m.get("dies").reason).toMatch(/^exited with code 1: Error: database connection lost: ECONNRESET/);
    await m.registerServer("dies-early", fixtureServer("dies-early", "throws-uncaught.mjs", { ...once, env: { THROW_AT_START: "1" } }));
    await waitFor(() => stateOf("dies-early") === "failed", { timeoutMs: 15_000, message: "dies-early to fail" });
    expect(m.get("dies-early").reason).toContain("before answering initialize: Error: database connection lost: ECONNRESET");
    for (const id of ["dies", "dies-early"]) expect(m.get(id).reason).not.toMatch(/Node\.js v\d/);
  });

  it("tries a server in crash_loop again after restart_after_crash_loop", async () => {
    const m = newManager();
    await m.start();
    await m.registerServer(
      "bad",
      fixtureServer("bad", "exits-immediately.mjs", { restart_max_failures: 1, restart_window: 60, restart_after_crash_loop: 0.5 }),
    );
    const crashLoops = () => events.filter((e) => e.type === "server_status" && e.server_id === "bad" && e.state === "crash_loop");
    await waitFor(() => crashLoops().length >= 1, { timeoutMs: 15_000, message: "crash_loop" });
    expect(m.get("bad").reason).toMatch(/trying again in 500 ms/);
    expect(m.get("bad").next_restart_at).not.toBeNull();
    // A fresh slate: one more failure is allowed before the next crash_loop, as after a start by hand.
    await waitFor(() => crashLoops().length >= 2, { timeoutMs: 15_000, message: "a second crash_loop after the cool-down" });
    expect(m.get("bad").restarts).toBeGreaterThanOrEqual(3);
  });

  it("tries a server in crash_loop again after 300 s by default", async () => {
    const m = newManager();
    await m.start();
    await m.registerServer("bad", fixtureServer("bad", "exits-immediately.mjs", { restart_max_failures: 1, restart_window: 60 }));
    await waitFor(() => stateOf("bad") === "crash_loop", { timeoutMs: 15_000, message: "crash_loop" });
    expect(m.get("bad").reason).toMatch(/; trying again in 300 s$/);
    expect(m.get("bad").next_restart_at).not.toBeNull();
  });

  for (const never of [0, null]) {
    it(`stays in crash_loop with restart_after_crash_loop ${never}`, async () => {
      const m = newManager();
      await m.start();
      await m.registerServer("bad", fixtureServer("bad", "exits-immediately.mjs", { restart_max_failures: 1, restart_window: 60, restart_after_crash_loop: never }));
      await waitFor(() => stateOf("bad") === "crash_loop", { timeoutMs: 15_000, message: "crash_loop" });
      expect(m.get("bad").next_restart_at).toBeNull();
      expect(m.get("bad").reason).not.toMatch(/trying again/);
    });
  }

  it("fails a server that answers initialize with a protocol version the client does not support, without retrying", async () => {
    const m = newManager();
    await m.start();
    const view = await m.registerServer("old", fixtureServer("old", "old-protocol-version.mjs"));
    expect(view.state).toBe("failed");
    expect(view.reason).toMatch(/^protocol_version_unsupported: .*1999-01-01/);
    expect(view.restarts).toBe(0);
    expect(view.next_restart_at).toBeNull();
    expect(await store.processGroups.list()).toEqual([]);
  });

  it("keeps a server an operator stopped stopped through edits of fields that change no process", async () => {
    const m = newManager();
    const parse = (await import("../src/config/validate.js")).parseServer;
    await m.applyConfig([parse(fixtureServer("file", "echo-server.mjs"))]);
    await m.start();
    await m.registerServer("api", fixtureServer("api", "echo-server.mjs"));
    await waitFor(() => stateOf("file") === "running", { message: "file running" });
    await m.stopServer("file");
    await m.stopServer("api");

    const reloaded = await m.applyConfig([parse(fixtureServer("file", "echo-server.mjs", { description: "new words" }))]);
    expect(reloaded.changed).toEqual(["file"]);
    expect((await m.updateServer("api", { description: "new words" })).state).toBe("stopped");
    // A restart started in the background by the reload would be under way by the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stateOf("file")).toBe("stopped");
    expect(m.get("file").description).toBe("new words");
    expect(events.filter((e) => e.type === "server_status" && e.state === "starting" && e.previous === "stopped" && e.server_id === "file")).toHaveLength(1);
  });

  it("leaves a server that exits with code 0 stopped, not crashed, and restarts it only with restart: always", async () => {
    const m = newManager();
    await m.start();
    const clean = { env: { EXIT_CODE: "0", CRASH_AFTER_MS: "200" } };
    await m.registerServer("done", fixtureServer("done", "crash-after.mjs", clean));
    await waitFor(() => stateOf("done") === "stopped", { timeoutMs: 15_000, message: "done to stop" });
    expect(m.get("done")).toMatchObject({ restarts: 0, reason: expect.stringContaining("exited with code 0") });
    expect(m.get("done").reason).toContain("a clean exit; restart is on-failure");
    // Stays stopped: no restart is scheduled.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stateOf("done")).toBe("stopped");

    await m.registerServer("loop", fixtureServer("loop", "crash-after.mjs", { ...clean, restart: "always" }));
    await waitFor(() => m.get("loop").restarts >= 1, { timeoutMs: 15_000, message: "loop to be restarted" });

    await m.registerServer("crash", fixtureServer("crash", "crash-after.mjs", { env: { CRASH_AFTER_MS: "200" }, restart: "never" }));
    await waitFor(() => stateOf("crash") === "failed", { timeoutMs: 15_000, message: "crash to fail" });
    expect(m.get("crash")).toMatchObject({ restarts: 0, reason: expect.stringContaining("(restart is never)") });
  });

  it("accepts auto_restart: false as restart: never, and refuses the two contradicting each other", async () => {
    const { parseServer } = await import("../src/config/validate.js");
    expect(parseServer({ id: "a", command: ["x"], auto_restart: false }).restart).toBe("never");
    expect(parseServer({ id: "a", command: ["x"] }).restart).toBe("on-failure");
    expect(() => parseServer({ id: "a", command: ["x"], auto_restart: false, restart: "always" })).toThrow(/restart: contradicts auto_restart: false/);
  });

  it("marks a server whose command does not exist as failed without retrying", async () => {
    const m = newManager();
    await m.start();
    const view = await m.registerServer("ghost", { id: "ghost", command: ["pygent-no-such-command-xyz"] });
    expect(view.state).toBe("failed");
    expect(view.reason).toMatch(/command not found: pygent-no-such-command-xyz/);
    expect(view.restarts).toBe(0);
  });

  it("reports a server that never answers initialize and ends its process", async () => {
    const m = newManager();
    await m.start();
    const view = await m.registerServer("mute", fixtureServer("mute", "hangs-on-initialize.mjs", { startup_timeout: 1, auto_restart: false }));
    expect(view.state).toBe("failed");
    expect(view.reason).toMatch(/did not answer initialize within 1 s/);
    const started = (await m.events("mute")).find((event) => event.kind === "exited");
    expect(started).toBeDefined();
    expect(await store.processGroups.list()).toEqual([]);
  });

  it("keeps a server that prints garbage on stdout running and logs the garbage", async () => {
    const m = newManager();
    await m.start();
    const view = await m.registerServer("noisy", fixtureServer("noisy", "garbage-stdout.mjs"));
    expect(view.state).toBe("running");
    const result = await m.callTool("noisy", "echo", { text: "still works" });
    expect(JSON.stringify(result.content)).toContain("still works");
    await waitFor(() => m.logs("noisy").some((line) => line.line.startsWith("non-protocol output:")), {
      message: "garbage logged",
    });
  });

  it("ends a server that writes a message over the size cap, with that reason", async () => {
    const m = newManager();
    await m.start();
    await m.registerServer("huge", fixtureServer("huge", "huge-line.mjs", { env: { HUGE_BYTES: String(20 * 1024 * 1024) }, auto_restart: false }));
    const view = await waitFor(() => (stateOf("huge") === "failed" ? m.get("huge") : undefined), { timeoutMs: 15_000, message: "failed" });
    expect(view.reason).toMatch(/^message over 16 MiB cap/);
    await waitFor(async () => (await store.processGroups.list()).length === 0, { timeoutMs: 10_000, message: "process group forgotten" });
  });

  it("ends grandchildren and SIGTERM-ignoring servers when stopping", async () => {
    const m = newManager();
    await m.start();
    const pidFile = join(dir, "grandchild.pid");
    await m.registerServer("family", fixtureServer("family", "spawns-grandchild.mjs", { env: { GRANDCHILD_PID_FILE: pidFile, GRANDCHILD_IGNORES_SIGTERM: "1" } }));
    const stubborn = await m.registerServer("stubborn", fixtureServer("stubborn", "ignores-sigterm.mjs", { shutdown_timeout: 1 }));
    const grandchild = await waitFor(() => readPidFile(pidFile), { message: "grandchild pid" });
    const parent = m.get("family").pid!;
    expect(isAlive(grandchild)).toBe(true);
    await m.stopServer("family");
    await m.stopServer("stubborn");
    expect(isAlive(parent)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect(isAlive(stubborn.pid!)).toBe(false);
    expect(stateOf("family")).toBe("stopped");
    expect(await store.processGroups.list()).toEqual([]);
  });

  it("ends the processes a killed daemon left behind, and nothing else", async () => {
    const oldInstance = newId();
    const orphan = spawn(node, [fixturePath("hangs-on-initialize.mjs")], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, PYGENT_DAEMON_INSTANCE: oldInstance },
    });
    const stranger = spawn(node, [fixturePath("hangs-on-initialize.mjs")], { detached: true, stdio: "ignore" });
    try {
      await store.processGroups.add({ pgid: orphan.pid!, pid: orphan.pid!, server_id: "old", daemon_pid: 999_999, daemon_instance: oldInstance, command: "x", started_at: 0, kind: "server" });
      await store.processGroups.add({ pgid: stranger.pid!, pid: stranger.pid!, server_id: "old2", daemon_pid: 999_999, daemon_instance: oldInstance, command: "x", started_at: 0, kind: "server" });
      await newManager().start();
      await waitFor(() => !isAlive(orphan.pid!), { message: "orphan ended" });
      expect(isAlive(stranger.pid!)).toBe(true);
      expect(await store.processGroups.list()).toEqual([]);
    } finally {
      for (const child of [orphan, stranger]) if (child.pid && isAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
    }
  });

  it("applies config changes to only the servers whose entry changed", async () => {
    const m = newManager();
    const parse = (await import("../src/config/validate.js")).parseServer;
    await m.applyConfig([parse(fixtureServer("a", "echo-server.mjs")), parse(fixtureServer("b", "echo-server.mjs"))]);
    await m.start();
    await waitFor(() => stateOf("a") === "running" && stateOf("b") === "running", { message: "both running" });
    const pidA = m.get("a").pid;
    const pidB = m.get("b").pid;
    const result = await m.applyConfig([
      parse(fixtureServer("a", "echo-server.mjs")),
      parse(fixtureServer("b", "echo-server.mjs", { env: { SERVER_NAME: "renamed" } })),
      parse(fixtureServer("c", "echo-server.mjs")),
    ]);
    expect(result).toEqual({ added: ["c"], removed: [], changed: ["b"] });
    await waitFor(() => stateOf("b") === "running" && m.get("b").pid !== pidB && stateOf("c") === "running", { message: "b restarted, c running" });
    expect(m.get("a").pid).toBe(pidA);
    const renamed = await m.applyConfig([
      parse(fixtureServer("a", "echo-server.mjs", { description: "same process, new words", health_check_interval: 5 })),
      parse(fixtureServer("b", "echo-server.mjs", { env: { SERVER_NAME: "renamed" } })),
      parse(fixtureServer("c", "echo-server.mjs")),
    ]);
    expect(renamed.changed).toEqual(["a"]);
    expect(m.get("a").pid).toBe(pidA);
    expect(m.get("a").description).toBe("same process, new words");
    const removed = await m.applyConfig([parse(fixtureServer("a", "echo-server.mjs"))]);
    expect(removed.removed.sort()).toEqual(["b", "c"]);
    expect(m.list().map((view) => view.id)).toEqual(["a"]);
  });

  it("starts a disabled API server once a PATCH enables it, and stops it when disabled again", async () => {
    const m = newManager();
    await m.start();
    const off = await m.registerServer("later", fixtureServer("later", "echo-server.mjs", { enabled: false }));
    expect(off.state).toBe("stopped");
    expect((await m.updateServer("later", { enabled: true })).state).toBe("running");
    expect((await m.updateServer("later", { enabled: false })).state).toBe("stopped");
  });

  it("keeps API-registered servers across a restart of the manager", async () => {
    const m = newManager();
    await m.start();
    await m.registerServer("kept", fixtureServer("kept", "echo-server.mjs", { env: { TOKEN: "s3cret" } }));
    expect(m.get("kept").config.env?.TOKEN).toBe("********");
    await m.stop();
    const again = newManager();
    await again.start();
    await waitFor(() => stateOf("kept") === "running", { message: "kept running after restart" });
    expect(again.get("kept").source).toBe("api");
    const result = await again.callTool("kept", "echo", { text: "still here" });
    expect(JSON.stringify(result.content)).toContain("still here");
  });
});

describe("start turns", () => {
  it("starts the servers one turn of the event loop apart, so the API is answered during a mass start", async () => {
    const m = newManager();
    const ids = ["a", "b", "c", "d", "e"];
    await m.applyConfig(ids.map((id) => parseServer(fixtureServer(id, "echo-server.mjs"))));
    const launched = () => ids.filter((id) => stateOf(id) !== "stopped").length;
    const starting = m.start();
    // What a request waiting on the loop would see each time it got its turn.
    const seen: number[] = [];
    while (launched() < ids.length) {
      await nextTurn();
      seen.push(launched());
    }
    await starting;
    expect(seen.some((count) => count > 0 && count < ids.length), `launched counts seen between turns: ${seen.join(", ")}`).toBe(true);
    await waitFor(() => ids.every((id) => stateOf(id) === "running"), { timeoutMs: 30_000, message: "all five running" });
  });

  it("spawns at most maxConcurrentStarts stdio servers at once; one waiting its turn is starting without a process and stops at once", async () => {
    manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: newId(), maxConcurrentStarts: 1 });
    const hangs = { startup_timeout: 60 };
    await manager.applyConfig([
      parseServer(fixtureServer("first", "hangs-on-initialize.mjs", hangs)),
      parseServer(fixtureServer("second", "hangs-on-initialize.mjs", hangs)),
    ]);
    await manager.start();
    // A spawned server's process group is recorded at once, before it answers anything.
    const spawned = async () => (await store.processGroups.list()).map((group) => group.server_id);
    const [busy] = await waitFor(async () => ((await spawned()).length > 0 ? await spawned() : undefined), { timeoutMs: 30_000, message: "one server spawned" });
    const waiting = busy === "first" ? "second" : "first";
    expect(await spawned()).toEqual([busy]);
    expect(manager.get(waiting)).toMatchObject({ state: "starting", pid: null });
    const began = Date.now();
    await manager.stopServer(waiting);
    // Far below the 60 s startup_timeout that a stop stuck behind the first server would wait.
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(manager.get(waiting).state).toBe("stopped");
    expect(await spawned()).toEqual([busy]);
  });
});
