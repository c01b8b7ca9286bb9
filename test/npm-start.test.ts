/**
 * `npm start` under a process manager and in a terminal. docker stop, systemd and most
 * supervisors send SIGTERM to the process they started, which is npm; a terminal's Ctrl-C sends
 * SIGINT to the whole foreground group. Both must end the daemon and every server it runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServerView } from "../src/mcp/index.js";
import { ROOT } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { isAlive, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
const started: ChildProcess[] = [];
/** Every pid seen under npm, ended after each test even when npm itself is gone. */
const seen: number[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-npm-start-");
  writeFileSync(join(dir, "config.json"), JSON.stringify({ servers: [fixtureServer("echo", "echo-server.mjs")] }));
});

afterEach(() => {
  // A failed test may leave the daemon orphaned after npm exits: end everything seen, by group.
  const pids = [...started.splice(0).map((child) => child.pid), ...seen.splice(0)];
  for (const pid of pids) {
    if (pid === undefined || !isAlive(pid)) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // Not a group leader, or already gone.
      }
    }
  }
  removeTempDir(dir);
});

/** The pids of every process whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Every process below `pid`, at any depth. */
function descendants(pid: number): number[] {
  const direct = childrenOf(pid);
  return [...direct, ...direct.flatMap(descendants)];
}

interface NpmStart {
  npm: ChildProcess;
  output: () => string;
  /** npm's descendants once the server runs: the daemon (and any shell) and the server's group. */
  tree: number[];
}

async function npmStart(): Promise<NpmStart> {
  const npm = spawn(
    "npm",
    ["start", "--", "--port", "0", "--data-dir", join(dir, "data"), "--config", join(dir, "config.json"), "--log-level", "warn"],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  started.push(npm);
  let out = "";
  npm.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  npm.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(out)?.[1], { timeoutMs: 30_000, message: "npm start to listen" });
  const server = await waitFor(
    async () => {
      const { servers } = (await (await fetch(`${url}/api/v1/mcp/servers`)).json()) as { servers: ServerView[] };
      return servers[0]?.state === "running" ? servers[0] : undefined;
    },
    { timeoutMs: 20_000, message: "the echo server to run" },
  );
  const tree = descendants(npm.pid!);
  seen.push(...tree);
  expect(tree).toContain(server.pid);
  return { npm, output: () => out, tree };
}

describe("npm start", () => {
  it("stops the daemon and its servers when npm gets SIGTERM, as from docker stop or systemd", async () => {
    const { npm, tree } = await npmStart();
    const exited = once(npm, "exit");
    npm.kill("SIGTERM");
    await exited;
    await waitFor(() => tree.every((pid) => !isAlive(pid)), { timeoutMs: 15_000, message: `pids ${tree.join(", ")} to be gone` });
  });

  it("shuts down cleanly, not by force, on one Ctrl-C that reaches both npm and the daemon", async () => {
    const { npm, tree, output } = await npmStart();
    const exited = once(npm, "exit");
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-npm.pid!, "SIGINT");
    await exited;
    await waitFor(() => tree.every((pid) => !isAlive(pid)), { timeoutMs: 15_000, message: `pids ${tree.join(", ")} to be gone` });
    expect(output()).toContain("SIGINT received: shutting down");
    expect(output()).not.toContain("killing every server process");
  });
});
