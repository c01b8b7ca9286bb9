// pygent serve: ready time, RSS, restart after kill -9, clean shutdown on SIGTERM.
// Written against docs/contracts.md: GET /api/v1/mcp/servers -> {"servers":[ServerView]}, with
// ServerView.state ("running" when up) and ServerView.pid.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  endTracked, freePort, getJson, groupMembers, logTail, median, settledRss, sleep, snapshot, stillAlive, track, waitGone,
} from "./lib/proc.mjs";
import { clockTicks, cpuTicks, DAEMON_NODE_FLAGS, PYGENT_BIN, ROOT } from "./lib/daemon.mjs";

export const pygentAvailable = () => fs.existsSync(PYGENT_BIN);

/** Wall time of one process from spawn to exit; rejects when it fails. */
function wallMs(args, env) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(" ")} exited ${code}: ${stderr.trim()}`))));
  });
}

/**
 * The CLI as a user runs it against the daemon: `pygent servers list` from spawn to exit, beside
 * Node's own start and exit (`node -e 0`), which no command can beat. Medians of 3.
 */
async function cliTimes(port) {
  const env = { ...process.env, PYGENT_URL: `http://127.0.0.1:${port}` };
  const list = [];
  const node = [];
  for (let i = 0; i < 3; i++) {
    list.push(await wallMs([PYGENT_BIN, "servers", "list"], env));
    node.push(await wallMs(["-e", "0"], env));
  }
  return { cli_servers_list_ms: median(list), node_floor_ms: median(node) };
}

const isMemory = (v) => JSON.stringify(v.config ?? {}).includes("server-memory") || /memory/i.test(v.id);

/**
 * One daemon run, fresh data dir (so the starter config is written each time).
 * Always leaves nothing running: SIGTERM in the extended run, SIGKILL of the group otherwise.
 * @param {string} dir temp folder for this run
 * @param {{extended?: boolean, timeoutMs?: number}} opts
 */
export async function pygentOnce(dir, { extended = false, timeoutMs = 30000 } = {}) {
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(dataDir, { recursive: true });
  const configPath = path.join(dataDir, "mcp_server_configs.json");
  const port = await freePort();
  const logFd = fs.openSync(path.join(dir, "pygent.out"), "w");
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...DAEMON_NODE_FLAGS, PYGENT_BIN, "serve", "--port", String(port), "--data-dir", dataDir, "--config", configPath],
    { cwd: ROOT, env: { ...process.env, HOME: dir }, detached: true, stdio: ["ignore", logFd, logFd] },
  );
  fs.closeSync(logFd);
  const entry = track(child.pid);
  let exited = null;
  child.on("exit", (code, sig) => (exited = { code, sig }));
  const url = `http://127.0.0.1:${port}/api/v1/mcp/servers`;
  const result = { port };
  try {
    let readyMs = null;
    let firstAnswerMs = null;
    let last = null;
    while (performance.now() - t0 < timeoutMs && !exited) {
      const doc = await getJson(url, 500);
      if (doc && Array.isArray(doc.servers)) {
        firstAnswerMs ??= performance.now() - t0;
        last = doc.servers.map((s) => ({ id: s.id, state: s.state, reason: s.reason ?? null }));
        if (doc.servers.length > 0 && doc.servers.every((s) => s.state === "running")) {
          readyMs = performance.now() - t0;
          result.servers = doc.servers.length;
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
      result.error = exited ? `daemon exited (${JSON.stringify(exited)})` : `not all running after ${timeoutMs} ms`;
      result.last_servers = last;
      return result;
    }
    if (!extended) return result;

    // RSS after it settles (the same 3 s idle for both); own process only, children reported apart.
    Object.assign(result, await settledRss(child.pid, entry));

    try {
      Object.assign(result, await cliTimes(port));
    } catch (error) {
      result.cli_error = String(error.message ?? error);
    }

    // kill -9 one server and time until it is running again with another pid.
    const views = (await getJson(url, 1000))?.servers ?? [];
    const victim = views.find((v) => isMemory(v) && v.pid) ?? views.find((v) => v.pid);
    if (!victim) {
      result.kill9 = { error: "no server with a pid in the API" };
    } else {
      process.kill(victim.pid, "SIGKILL");
      const tk = performance.now();
      const seen = [];
      let back = null;
      while (performance.now() - tk < 20000) {
        const doc = await getJson(url, 500);
        const v = doc?.servers?.find((s) => s.id === victim.id);
        const st = v ? v.state : "api-unreachable";
        if (seen[seen.length - 1] !== st) seen.push(st);
        if (v && v.state === "running" && v.pid && v.pid !== victim.pid) {
          back = performance.now() - tk;
          break;
        }
        await sleep(20);
      }
      snapshot(entry);
      result.restart_after_kill9_ms = back;
      result.kill9 = { killed: victim.id, states_seen: seen };
    }

    // SIGTERM: the daemon must exit and leave nothing of its group or its children behind.
    snapshot(entry);
    const ts = performance.now();
    process.kill(child.pid, "SIGTERM");
    const gone = await waitGone(child.pid, 15000);
    result.shutdown_ms = gone ? performance.now() - ts : null;
    await sleep(300);
    const left = new Map();
    for (const p of groupMembers(child.pid)) left.set(p.pid, p);
    for (const t of entry.tracked) if (stillAlive(t)) left.set(t.pid, t);
    result.leftover_processes = left.size;
    if (!gone) result.shutdown_error = "daemon still running 15 s after SIGTERM";
    return result;
  } finally {
    await endTracked(entry);
  }
}

export const pygentLogTail = (dir, n = 20) => logTail(path.join(dir, "pygent.out"), n);
