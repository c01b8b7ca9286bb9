/**
 * `pygent serve` end to end, as a user runs it: a fresh data folder, the starter config, the four
 * official servers, clean shutdown, recovery after kill -9, config reloads, and persistence.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServerView } from "../src/mcp/index.js";
import { pidsInGroup } from "../src/mcp/process-group.js";
import { expectAllGone, runCli, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixturePath, isAlive, makeTempDir, readPidFile, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let config: string;
const daemons: DaemonProcess[] = [];

async function serve(extra: string[] = []): Promise<DaemonProcess> {
  const daemon = await startDaemon(join(dir, "data"), config, extra);
  daemons.push(daemon);
  return daemon;
}

async function servers(daemon: DaemonProcess): Promise<ServerView[]> {
  return (await daemon.api<{ servers: ServerView[] }>("/api/v1/mcp/servers")).body.servers;
}

async function allRunning(daemon: DaemonProcess, count: number): Promise<ServerView[]> {
  return waitFor(
    async () => {
      const list = await servers(daemon);
      return list.length === count && list.every((server) => server.state === "running") ? list : undefined;
    },
    { timeoutMs: 20_000, message: `${count} servers running` },
  );
}

/** Every process of every server's group. */
function serverPids(list: ServerView[]): number[] {
  return list.flatMap((server) => (server.pid ? [server.pid, ...pidsInGroup(server.pid)] : []));
}

beforeEach(() => {
  dir = makeTempDir("pygent-daemon-");
  config = join(dir, "mcp_server_configs.json");
});

afterEach(async () => {
  for (const daemon of daemons.splice(0)) {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL");
  }
  removeTempDir(dir);
});

describe("pygent serve", () => {
  it("writes a starter config and runs the four official servers; SIGTERM leaves nothing behind", async () => {
    const daemon = await serve();
    const list = await allRunning(daemon, 4);
    expect(list.map((server) => server.id).sort()).toEqual(["everything", "filesystem", "memory", "sequential-thinking"]);
    const written = JSON.parse(readFileSync(config, "utf8")) as { servers: { id: string; command: string[] }[] };
    expect(written.servers).toHaveLength(4);
    const health = await daemon.api<{ status: string }>("/api/v1/health");
    expect(health.body.status).toBe("healthy");
    const pids = serverPids(list);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(await daemon.stop()).toBe(0);
    await expectAllGone(pids);
  });

  it("validates the starter config with pygent validate", async () => {
    const daemon = await serve();
    await allRunning(daemon, 4);
    await daemon.stop();
    const result = await runCli(["validate", "--config", config, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { passed: number; failed: number; servers: { id: string; tools: number }[] };
    expect(report).toMatchObject({ passed: 4, failed: 0 });
    expect(report.servers.every((server) => server.tools > 0)).toBe(true);
  });

  it("after kill -9 of the daemon, the next start ends the orphans and keeps registered servers", async () => {
    writeFileSync(config, JSON.stringify({ servers: [] }));
    const first = await serve();
    const created = await first.api("/api/v1/mcp/servers", {
      method: "POST",
      body: JSON.stringify({
        id: "kept",
        command: [process.execPath, fixturePath("spawns-grandchild.mjs")],
        env: { GRANDCHILD_PID_FILE: join(dir, "grandchild.pid") },
      }),
    });
    expect(created.status).toBe(201);
    const [kept] = await allRunning(first, 1);
    const grandchild = await waitFor(() => readPidFile(join(dir, "grandchild.pid")), { message: "grandchild pid" });
    const orphanPids = serverPids([kept!]);
    expect(orphanPids).toContain(grandchild);
    first.child.kill("SIGKILL");
    await waitFor(() => first.child.exitCode !== null || first.child.signalCode !== null, { message: "daemon killed" });
    // Like an npx wrapper's child, the grandchild outlives a daemon killed with -9.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isAlive(grandchild)).toBe(true);

    const second = await serve();
    await expectAllGone(orphanPids);
    const [again] = await allRunning(second, 1);
    expect(again!.id).toBe("kept");
    expect(again!.source).toBe("api");
    expect(again!.pid).not.toBe(kept!.pid);
    expect(await second.stop()).toBe(0);
  });

  it("records an unclean_shutdown event after kill -9 of the daemon, naming its pid and start, and none after a clean stop", async () => {
    writeFileSync(config, JSON.stringify({ servers: [{ id: "echo", command: [process.execPath, fixturePath("echo-server.mjs")] }] }));
    const uncleanEvents = async (daemon: DaemonProcess) => {
      const events = await daemon.api<{ events: { kind: string; detail: string | null }[] }>("/api/v1/mcp/servers/echo/events");
      expect(events.status).toBe(200);
      return events.body.events.filter((event) => event.kind === "unclean_shutdown");
    };
    const first = await serve();
    await allRunning(first, 1);
    expect(await first.stop()).toBe(0);

    const second = await serve();
    await allRunning(second, 1);
    expect(await uncleanEvents(second)).toEqual([]);
    second.child.kill("SIGKILL");
    await waitFor(() => second.child.exitCode !== null || second.child.signalCode !== null, { message: "daemon killed" });

    const third = await serve();
    await allRunning(third, 1);
    const [event, ...more] = await uncleanEvents(third);
    expect(more).toEqual([]);
    expect(event!.detail).toMatch(new RegExp(`^the daemon's previous run \\(pid ${second.child.pid}, started \\d{4}-\\d{2}-\\d{2}T[^)]+\\) ended without a clean stop$`));
    expect(await third.stop()).toBe(0);
  });

  it("refuses a bad config file at start with one message per problem", async () => {
    writeFileSync(
      config,
      JSON.stringify({
        servers: [
          { id: "a", command: [] },
          { id: "a", command: ["node"], colour: "blue" },
          { id: "b", url: "ftp://example.com" },
          { id: "c", command: "node", health_check_interval: "often" },
        ],
      }),
    );
    const result = await runCli(["serve", "--port", "0", "--data-dir", join(dir, "data"), "--config", config]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('servers[0] (id "a").command: must not be empty');
    expect(result.stderr).toContain('servers[1] (id "a")');
    expect(result.stderr).toContain('unknown field "colour"');
    expect(result.stderr).toContain('servers[2] (id "b").url: must use http or https');
    expect(result.stderr).toContain('servers[3] (id "c").command: must be an array');
    expect(result.stderr).toContain('servers[3] (id "c").health_check_interval: must be a number');
    expect(result.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  });

  it("reloads the config file: adds, restarts only what changed, and keeps the last good config on a bad edit", async () => {
    const echo = (id: string, extra: Record<string, unknown> = {}) => ({ id, command: [process.execPath, fixturePath("echo-server.mjs")], ...extra });
    writeFileSync(config, JSON.stringify({ servers: [echo("one"), echo("two")] }));
    const daemon = await serve();
    const before = await allRunning(daemon, 2);
    const pidOf = (list: ServerView[], id: string) => list.find((server) => server.id === id)?.pid;

    writeFileSync(config, JSON.stringify({ servers: [echo("one"), echo("two", { env: { SERVER_NAME: "changed" } }), echo("three")] }));
    const after = await waitFor(
      async () => {
        const list = await servers(daemon);
        const ok = list.length === 3 && list.every((s) => s.state === "running") && pidOf(list, "two") !== pidOf(before, "two");
        return ok ? list : undefined;
      },
      { timeoutMs: 20_000, message: "reload applied" },
    );
    expect(pidOf(after, "one")).toBe(pidOf(before, "one"));

    writeFileSync(config, "{ this is not json");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    writeFileSync(config, JSON.stringify({ servers: [echo("one", { command: [] })] }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const still = await servers(daemon);
    expect(still.map((server) => server.id)).toEqual(["one", "three", "two"]);
    expect(still.every((server) => server.state === "running")).toBe(true);
    expect(daemon.stderr()).toMatch(/config file rejected/);
    expect(await daemon.stop()).toBe(0);
  });

  it("answers the Host names it was told to and refuses others", async () => {
    writeFileSync(config, JSON.stringify({ servers: [] }));
    const daemon = await serve(["--allowed-host", "pygent.test"]);
    const port = new URL(daemon.url).port;
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: "127.0.0.1", port, path: "/api/v1/health", headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on("error", reject);
        request.end();
      });
    expect(await status(`pygent.test:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`attacker.example:${port}`)).toBe(403);
    expect(await daemon.stop()).toBe(0);
  });

  it("refuses a second daemon on the same data folder", async () => {
    writeFileSync(config, JSON.stringify({ servers: [] }));
    await serve();
    const second = await runCli(["serve", "--port", "0", "--data-dir", join(dir, "data"), "--config", config]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/another PyGent daemon \(pid \d+\) is using the data directory/);
  });
});
