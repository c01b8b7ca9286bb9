// The floor under a shutdown: the same stdio servers started straight from here, each in its own
// process group as the daemon starts them, then stdin closed and SIGTERM to every group at once.
// How long until the last one is gone is what this machine needs to end that many processes,
// whoever asks; the daemon's shutdown is read against it.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { killAll, procStat, sleep, stillAlive, track, trySignal } from "./proc.mjs";

/** Starts one server and resolves once it says `ready` on stderr. */
function startOne(command, timeoutMs) {
  const child = spawn(command[0], command.slice(1), { detached: true, stdio: ["pipe", "ignore", "pipe"] });
  const entry = track(child.pid);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${child.pid} not ready in ${timeoutMs} ms`)), timeoutMs);
    child.stderr.on("data", (chunk) => {
      if (!chunk.toString().includes("ready")) return;
      clearTimeout(timer);
      child.stderr.resume();
      resolve({ child, entry, stat: procStat(child.pid) });
    });
    child.on("exit", () => reject(new Error(`server ${child.pid} exited before it was ready`)));
  });
}

/**
 * Starts `n` servers of `command` (a few at a time, as a daemon would), then ends them all and
 * measures until none is left. Resolves with `{ servers, all_gone_ms, leftover_processes }`.
 * With `sigterm: false` only their stdin is closed, as the MCP specification's shutdown begins:
 * each server ends itself, which costs its own exit instead of the kernel's kill.
 */
export async function shutdownFloor(command, n, { timeoutMs = 60_000, parallel = 8, sigterm = true } = {}) {
  const started = [];
  try {
    for (let i = 0; i < n; i += parallel) {
      started.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => startOne(command, timeoutMs)))));
    }
    for (const { child } of started) child.removeAllListeners("exit");
    const began = performance.now();
    for (const { child } of started) {
      child.stdin.end();
      if (sigterm) trySignal(-child.pid, "SIGTERM");
    }
    let allGoneMs = null;
    while (performance.now() - began < timeoutMs) {
      if (!started.some(({ stat }) => stillAlive(stat))) {
        allGoneMs = performance.now() - began;
        break;
      }
      await sleep(10);
    }
    return { servers: n, all_gone_ms: allGoneMs, leftover_processes: started.filter(({ stat }) => stillAlive(stat)).length };
  } finally {
    for (const { entry } of started) killAll(entry);
  }
}
