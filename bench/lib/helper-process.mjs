// A bench helper script forked with IPC (lib/ws-subscribers.mjs, lib/http-farm.mjs): its process
// group is tracked for cleanup, and `ask` sends one command and waits for its one answer.
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { track } from "./proc.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Forks `lib/<script>`; answers arrive in the order the commands were sent. */
export function forkHelper(script, args = []) {
  const child = fork(path.join(HERE, script), args, { detached: true, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const entry = track(child.pid);
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c.toString()).slice(-4000)));
  const pending = [];
  child.on("message", (m) => pending.shift()?.resolve(m));
  child.on("exit", (code, sig) => {
    for (const p of pending.splice(0)) p.reject(new Error(`${script} exited (${code ?? sig}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
  });
  const ask = (msg, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no answer to ${msg.cmd} in ${timeoutMs} ms`)), timeoutMs);
      pending.push({
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.send(msg);
    });
  return { child, entry, ask, stderr: () => stderr };
}
