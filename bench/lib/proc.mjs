// Small process helpers for the bench: /proc readers, free ports, process-group cleanup.
import fs from "node:fs";
import net from "node:net";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function log(...args) {
  process.stderr.write(`[bench] ${args.join(" ")}\n`);
}

export function median(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export const round1 = (x) => (typeof x === "number" && Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** A port that was free a moment ago: listen on 0, read it, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** { pid, state, ppid, pgrp, starttime } from /proc/<pid>/stat, or null when gone. */
export function procStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { pid, state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), starttime: rest[19] };
  } catch {
    return null;
  }
}

export function allProcs() {
  const out = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st && st.state !== "Z") out.push(st);
  }
  return out;
}

/** Live (non-zombie) descendants of pid, as procStat records. */
export function descendants(pid) {
  const procs = allProcs();
  const byParent = new Map();
  for (const p of procs) {
    if (!byParent.has(p.ppid)) byParent.set(p.ppid, []);
    byParent.get(p.ppid).push(p);
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const cur = queue.shift();
    for (const c of byParent.get(cur) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid) {
  return allProcs().filter((p) => p.pgrp === pgid);
}

/** True when the process recorded in `rec` (pid + starttime) still runs and is not a zombie. */
export function stillAlive(rec) {
  const st = procStat(rec.pid);
  return !!st && st.state !== "Z" && st.starttime === rec.starttime;
}

export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

/** VmRSS of one process in MB (own process only), or null. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function trySignal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Everything we launched, so that an exception, Ctrl-C or exit never leaves a process behind.
 * Each entry: { pgid, tracked: [procStat records of descendants seen so far] }.
 */
const launched = new Set();

export function track(pgid) {
  const entry = { pgid, tracked: [] };
  launched.add(entry);
  return entry;
}

/** Remember current descendants of the entry's leader (they may live in other groups). */
export function snapshot(entry) {
  for (const d of descendants(entry.pgid)) {
    if (!entry.tracked.some((t) => t.pid === d.pid && t.starttime === d.starttime)) entry.tracked.push(d);
  }
}

/** SIGKILL the group and every remembered descendant; synchronous, safe to call twice. */
export function killAll(entry) {
  trySignal(-entry.pgid, "SIGKILL");
  trySignal(entry.pgid, "SIGKILL");
  for (const t of entry.tracked) if (stillAlive(t)) trySignal(t.pid, "SIGKILL");
  launched.delete(entry);
}

export function killEverything() {
  for (const e of [...launched]) {
    try {
      snapshot(e);
    } catch {}
    killAll(e);
  }
}

/** Temp folders removed on any exit (also Ctrl-C, when `finally` blocks do not run). */
const tempDirs = new Set();

export function registerTempDir(dir) {
  tempDirs.add(dir);
  return dir;
}

function removeTempDirs() {
  for (const dir of tempDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
  tempDirs.clear();
}

let installed = false;
export function installCleanupHandlers() {
  if (installed) return;
  installed = true;
  process.on("exit", () => {
    killEverything();
    removeTempDirs();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      killEverything();
      process.exit(130);
    });
  }
}

/** Wait until pid is gone (or a zombie); true when it went within ms. */
export async function waitGone(pid, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const st = procStat(pid);
    if (!st || st.state === "Z") return true;
    await sleep(20);
  }
  return false;
}

/** GET a JSON document from 127.0.0.1 with a short timeout; null on any failure. */
export async function getJson(url, timeoutMs = 1000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}

/** The last `n` lines of a log file a benchmark wrote, or "" when there is none. */
export function logTail(file, n = 20) {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/** Ends every process of a tracked group (after recording what was alive) and lets the kernel reap. */
export async function endTracked(entry) {
  snapshot(entry);
  killAll(entry);
  await sleep(50);
}

/** RSS of a daemon after 3 s idle, its own process apart from its children's, in MB. */
export async function settledRss(pid, entry) {
  await sleep(3000);
  snapshot(entry);
  return {
    rss_mb: rssMb(pid),
    children_rss_mb: descendants(pid).reduce((sum, child) => sum + (rssMb(child.pid) ?? 0), 0),
  };
}
