// `pygent serve` with a given config file for the monitoring bench: start, wait until every
// server is running, CPU/RSS from /proc, config rewrites, stop. Every process group is tracked
// in lib/proc.mjs so it is SIGKILLed on any exit path.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { descendants, freePort, getJson, killAll, rssMb, sleep, snapshot, stillAlive, track, waitGone } from "./proc.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The Node flags `npm start` and the `pygent` command run the daemon with (package.json, bin/pygent.js). */
export const DAEMON_NODE_FLAGS = ["--max-semi-space-size=2"];
export const PYGENT_BIN = process.env.BENCH_PYGENT_BIN ? path.resolve(process.env.BENCH_PYGENT_BIN) : path.join(ROOT, "bin", "pygent.js");

let clkTck = null;
/** Clock ticks per second for /proc/<pid>/stat times (almost always 100). */
export function clockTicks() {
  if (clkTck === null) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of one process in clock ticks, or null when gone. */
export function cpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

/** Sum of cpuTicks over pids (missing ones count 0). */
export function cpuTicksOf(pids) {
  return pids.reduce((a, p) => a + (cpuTicks(p) ?? 0), 0);
}

/**
 * Measures over `seconds`: CPU of `pid` in % of one core (utime+stime delta / wall), its RSS
 * sampled each second (avg, max), and the CPU of `otherPids` (e.g. the servers) in the same window.
 */
export async function measure(pid, seconds, otherPids = []) {
  const hz = clockTicks();
  const w0 = performance.now();
  const c0 = cpuTicks(pid);
  const o0 = cpuTicksOf(otherPids);
  const rss = [];
  const endAt = w0 + seconds * 1000;
  while (performance.now() < endAt) {
    await sleep(Math.min(1000, endAt - performance.now()));
    const r = rssMb(pid);
    if (r !== null) rss.push(r);
  }
  const wall = (performance.now() - w0) / 1000;
  const c1 = cpuTicks(pid);
  const o1 = cpuTicksOf(otherPids);
  return {
    window_s: wall,
    cpu_percent: c0 === null || c1 === null ? null : ((c1 - c0) / hz / wall) * 100,
    rss_mb: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : null,
    rss_max_mb: rss.length ? Math.max(...rss) : null,
    others_cpu_percent: otherPids.length ? ((o1 - o0) / hz / wall) * 100 : null,
  };
}

/** MemAvailable in MB from /proc/meminfo. */
export function memAvailableMb() {
  const m = /MemAvailable:\s+(\d+)\s+kB/.exec(fs.readFileSync("/proc/meminfo", "utf8"));
  return m ? Number(m[1]) / 1024 : null;
}

/**
 * Starts `pygent serve` on a free loopback port with its own data dir and the given config;
 * `nodeFlags` go to Node after the daemon's own (e.g. `--cpu-prof`).
 * @returns {{child, pid, port, url, entry, logPath, exited: () => object|null}}
 */
export async function startDaemon(dir, config, { extraArgs = [], nodeFlags = [] } = {}) {
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(dataDir, { recursive: true });
  const configPath = path.join(dir, "mcp_server_configs.json");
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const port = await freePort();
  const logPath = path.join(dir, "pygent.out");
  const logFd = fs.openSync(logPath, "w");
  const child = spawn(
    process.execPath,
    [...DAEMON_NODE_FLAGS, ...nodeFlags, PYGENT_BIN, "serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, "--config", configPath, ...extraArgs],
    { cwd: ROOT, env: { ...process.env, HOME: dir, NO_COLOR: "1" }, detached: true, stdio: ["ignore", logFd, logFd] },
  );
  fs.closeSync(logFd);
  const entry = track(child.pid);
  let exited = null;
  child.on("exit", (code, sig) => (exited = { code, sig }));
  return {
    child,
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    entry,
    dataDir,
    configPath,
    logPath,
    exited: () => exited,
  };
}

/** Polls the server list until `expected` servers are running; resolves with ms and the last counts. */
export async function waitAllRunning(d, expected, timeoutMs, t0 = performance.now(), onProgress = () => {}) {
  let counts = {};
  let lastLog = 0;
  while (performance.now() - t0 < timeoutMs) {
    if (d.exited()) return { ready_ms: null, counts, error: `daemon exited ${JSON.stringify(d.exited())}` };
    const doc = await getJson(`${d.url}/api/v1/mcp/servers`, 5000);
    if (doc && Array.isArray(doc.servers)) {
      counts = {};
      for (const s of doc.servers) counts[s.state] = (counts[s.state] ?? 0) + 1;
      if (doc.servers.length >= expected && (counts.running ?? 0) >= expected) {
        return { ready_ms: performance.now() - t0, counts, servers: doc.servers };
      }
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        onProgress(counts);
      }
    }
    await sleep(250);
  }
  return { ready_ms: null, counts, error: `not all ${expected} running after ${timeoutMs} ms` };
}

/**
 * SIGTERM, wait for the exit (shutdown ms) and for every process the daemon had started to be
 * gone (all_gone ms, both from the signal), then SIGKILL whatever of the group is left.
 */
export async function stopDaemon(d, timeoutMs = 30_000) {
  snapshot(d.entry);
  const ts = performance.now();
  try {
    process.kill(d.pid, "SIGTERM");
  } catch {}
  const gone = await waitGone(d.pid, timeoutMs);
  const shutdownMs = gone ? performance.now() - ts : null;
  const children = d.entry.tracked.filter((t) => t.pid !== d.pid);
  let allGoneMs = null;
  while (gone && performance.now() - ts < timeoutMs) {
    if (!children.some(stillAlive)) {
      allGoneMs = performance.now() - ts;
      break;
    }
    await sleep(10);
  }
  await sleep(200);
  const leftover = d.entry.tracked.filter(stillAlive).length;
  killAll(d.entry);
  return { shutdown_ms: shutdownMs, all_gone_ms: allGoneMs, leftover_processes: leftover };
}

/** Pids of the daemon's descendants (its servers and anything they started). */
export function serverPids(d) {
  snapshot(d.entry);
  return descendants(d.pid).map((p) => p.pid);
}

export function logTail(d, n = 20) {
  try {
    return fs.readFileSync(d.logPath, "utf8").trim().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

export function logBytes(d) {
  try {
    return fs.statSync(d.logPath).size;
  } catch {
    return 0;
  }
}
