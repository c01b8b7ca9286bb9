// mcp-hub 4.2.1 with the same four servers: ready time, RSS, and what it does when a child is kill -9'd.
//
// Marketplace catalog: at start mcp-hub reads <data>/mcp-hub/cache/registry.json (data =
// $XDG_DATA_HOME, or ~/.local/share; ~/.mcp-hub/cache wins if it exists) and, when that cache is
// missing, older than 1 h or has an EMPTY server list, fetches
// https://ravitemer.github.io/mcp-registry/registry.json (then falls back to `curl`). We give it a
// private HOME / XDG_* dirs holding a fresh cache with one placeholder server (an empty list counts
// as invalid and would trigger the fetch), so no network is tried. `seed: false` runs it without
// the cache, to measure what the failed fetch costs.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { clockTicks, cpuTicks } from "./lib/daemon.mjs";
import { QUICK } from "./lib/targets.mjs";
import { officialServers } from "./lib/servers.mjs";
import {
  cmdline, descendants, endTracked, freePort, getJson, log, logTail, settledRss, sleep, snapshot, track,
} from "./lib/proc.mjs";

const require = createRequire(import.meta.url);

function hubCli() {
  const pjPath = require.resolve("mcp-hub/package.json");
  const pj = JSON.parse(fs.readFileSync(pjPath, "utf8"));
  return path.join(path.dirname(pjPath), typeof pj.bin === "string" ? pj.bin : pj.bin["mcp-hub"]);
}

function seedCatalog(home) {
  const cacheDir = path.join(home, ".local", "share", "mcp-hub", "cache");
  fs.mkdirSync(cacheDir, { recursive: true });
  const cache = {
    registry: {
      version: "bench-seed",
      generatedAt: Date.now(),
      totalServers: 1,
      servers: [{ id: "bench-placeholder", name: "placeholder", description: "seeded by bench", tags: [], category: "other" }],
    },
    lastFetchedAt: Date.now(),
    serverDocumentation: {},
  };
  fs.writeFileSync(path.join(cacheDir, "registry.json"), JSON.stringify(cache));
}

/** How long a kill -9'd child is watched for a restart (mcp-hub does not restart it). */
const KILL9_WATCH_MS = QUICK ? 5000 : 10_000;

const statusesOf = (doc) => Object.fromEntries((doc?.servers ?? []).map((s) => [s.name, s.status]));

/**
 * Launches mcp-hub (`--port <free> --config <file>`) in its own process group, with a private
 * HOME / XDG_* dirs under `dir` (seeded catalog unless `seed` is false) and the given servers.
 * @param {string} dir temp folder for this run
 * @param {{name: string, command: string, args: string[], env: object}[]} specs
 */
export async function launchHub(dir, specs, { seed = true } = {}) {
  const home = path.join(dir, "home");
  fs.mkdirSync(home, { recursive: true });
  if (seed) seedCatalog(home);
  const config = { mcpServers: Object.fromEntries(specs.map((s) => [s.name, { command: s.command, args: s.args, env: s.env }])) };
  const configPath = path.join(dir, "mcp-hub.json");
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const port = await freePort();
  const logFd = fs.openSync(path.join(dir, "mcp-hub.out"), "w");
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
  };
  const launchedAt = performance.now();
  const child = spawn(process.execPath, [hubCli(), "--port", String(port), "--config", configPath], {
    cwd: dir, env, detached: true, stdio: ["ignore", logFd, logFd],
  });
  fs.closeSync(logFd);
  const entry = track(child.pid);
  let exited = null;
  child.on("exit", (code, sig) => (exited = { code, sig }));
  return { child, entry, port, base: `http://127.0.0.1:${port}`, launchedAt, exited: () => exited };
}

/** Statuses by server name from `GET /api/servers`, or null when it does not answer. */
export async function hubStatuses(base, timeoutMs = 500) {
  const doc = await getJson(`${base}/api/servers`, timeoutMs);
  return doc ? statusesOf(doc) : null;
}

/**
 * mcp-hub with one server (`{name, command, args}`), once it reports it `connected`: the hub, the
 * server's pid (found by `serverMark` in its command line) and `stop`. Ended at once when it does
 * not connect within 60 s.
 */
export async function launchHubWith(dir, { name, command, args }, serverMark) {
  const hub = await launchHub(dir, [{ name, command, args, env: {} }]);
  const stop = () => endTracked(hub.entry);
  const t0 = performance.now();
  while ((await hubStatuses(hub.base))?.[name] !== "connected") {
    if (hub.exited() || performance.now() - t0 > 60_000) {
      await stop();
      throw new Error(`mcp-hub not connected to ${name}: ${hub.exited() ? `exited ${JSON.stringify(hub.exited())}` : "timeout"}`);
    }
    await sleep(50);
  }
  const serverPid = descendants(hub.child.pid).find((p) => cmdline(p.pid).includes(serverMark))?.pid ?? null;
  return { hub, serverPid, stop };
}

/**
 * One hub run. Always kills mcp-hub's process group and every descendant before returning.
 * @param {string} dir temp folder for this run
 * @param {{extended?: boolean, seed?: boolean, timeoutMs?: number}} opts
 */
export async function hubOnce(dir, { extended = false, seed = true, timeoutMs = 30000 } = {}) {
  const specs = officialServers(dir);
  const { child, entry, port, base, launchedAt: t0, exited } = await launchHub(dir, specs, { seed });
  const result = { port };
  try {
    // Ready: /api/servers lists all four as "connected".
    let readyMs = null;
    let firstAnswerMs = null;
    let last = null;
    while (performance.now() - t0 < timeoutMs && !exited()) {
      const statuses = await hubStatuses(base);
      if (statuses) {
        firstAnswerMs ??= performance.now() - t0;
        last = statuses;
        const vals = Object.values(last);
        if (vals.length === specs.length && vals.every((s) => s === "connected")) {
          readyMs = performance.now() - t0;
          break;
        }
      }
      await sleep(20);
    }
    snapshot(entry);
    result.ready_ms = readyMs;
    result.first_answer_ms = firstAnswerMs;
    const ticks = cpuTicks(child.pid);
    result.cpu_ms_until_ready = readyMs === null || ticks === null ? null : (ticks * 1000) / clockTicks();
    if (readyMs === null) {
      result.error = exited() ? `mcp-hub exited (${JSON.stringify(exited())})` : `not ready after ${timeoutMs} ms`;
      result.last_statuses = last;
      return result;
    }
    // RSS after it settles (the same 3 s idle for both, every round); own process only, children reported apart.
    Object.assign(result, await settledRss(child.pid, entry));
    if (!extended) return result;

    // kill -9 one child server (memory) and watch it for KILL9_WATCH_MS.
    const victim = descendants(child.pid).find((d) => cmdline(d.pid).includes("server-memory"));
    if (!victim) {
      result.kill9 = { error: "could not find the memory server's pid among mcp-hub's children" };
      return result;
    }
    process.kill(victim.pid, "SIGKILL");
    const tk = performance.now();
    const seen = [];
    let restartedPid = null;
    let restartMs = null;
    while (performance.now() - tk < KILL9_WATCH_MS) {
      const doc = await getJson(`${base}/api/servers`, 500);
      const st = doc ? statusesOf(doc).memory : "api-unreachable";
      if (seen[seen.length - 1] !== st) seen.push(st);
      if (restartedPid === null) {
        const again = descendants(child.pid).find((d) => d.pid !== victim.pid && cmdline(d.pid).includes("server-memory"));
        if (again) {
          restartedPid = again.pid;
          restartMs = performance.now() - tk;
        }
      }
      await sleep(100);
    }
    snapshot(entry);
    const info = await getJson(`${base}/api/health`, 1000);
    const memInfo = (info?.servers ?? []).find((s) => s.name === "memory");
    result.restarted_after_kill9 = restartedPid !== null;
    result.kill9 = {
      killed: "memory",
      observed_s: KILL9_WATCH_MS / 1000,
      statuses_seen: seen,
      status_at_end: seen[seen.length - 1] ?? null,
      uptime_at_end: memInfo?.uptime ?? null,
      new_pid: restartedPid,
      restart_ms: restartMs,
    };
    return result;
  } finally {
    await endTracked(entry);
  }
}

export const hubLogTail = (dir, n = 20) => logTail(path.join(dir, "mcp-hub.out"), n);
