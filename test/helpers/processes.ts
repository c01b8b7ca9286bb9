// Test helpers for observing processes, fixture paths and temp dirs. They only observe and
// wait: none of them starts a process, so none can leak one; ending what a test started is
// the test's job.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Names what was awaited, so a timeout says more than "timed out". */
  message?: string;
}

const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Absolute path to `test/fixtures/<name>`. */
export function fixturePath(name: string): string {
  return join(FIXTURES_DIR, name);
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces. */
function procStatFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function isZombieOrDead(state: string | undefined): boolean {
  return state === "Z" || state === "X" || state === "x";
}

/**
 * True while `pid` is running. An exited but unreaped process (zombie) counts as dead:
 * in containers whose init does not reap orphans, kill(pid, 0) would call it alive forever.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (process.platform !== "linux") return true;
  const fields = procStatFields(pid);
  return fields !== undefined && !isZombieOrDead(fields[0]);
}

/**
 * Polls `predicate` (sync or async) until it returns a truthy value and resolves with that
 * value; throws `Timed out after Nms waiting for <message>` otherwise. A predicate that throws
 * counts as "not yet", and its last error is attached as the cause.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 25, message = "condition" }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs}ms waiting for ${message}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

/** Resolves once `pid` is no longer running; throws if it still is after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs = 5000): Promise<void> {
  await waitFor(() => !isAlive(pid), { timeoutMs, message: `process ${pid} to exit` });
}

/** Creates a fresh directory under os.tmpdir() whose name starts with `prefix`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a directory made by makeTempDir; refuses anything outside os.tmpdir(). */
export function removeTempDir(path: string): void {
  const root = resolve(tmpdir()) + sep;
  const target = resolve(path);
  if (!target.startsWith(root)) throw new Error(`Refusing to remove ${path}: not under ${root}`);
  rmSync(target, { recursive: true, force: true });
}

/** The pid in `path`, or undefined while the file is missing or not yet a whole pid. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const pid = Number(text);
  return pid > 0 ? pid : undefined;
}

/** Pids of running (non-zombie) processes whose process group is `pgid`. Linux only (/proc). */
export function pidsInProcessGroup(pgid: number): number[] {
  return runningPidsWhere(PGRP_FIELD, pgid);
}

/** Pids of running (non-zombie) processes whose parent is `ppid`. Linux only (/proc). */
export function childPids(ppid: number): number[] {
  return runningPidsWhere(PPID_FIELD, ppid);
}

// After "(comm)" in /proc/<pid>/stat: state, ppid, pgrp, ...
const PPID_FIELD = 1;
const PGRP_FIELD = 2;

function runningPidsWhere(field: number, value: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const fields = procStatFields(pid);
    if (fields && !isZombieOrDead(fields[0]) && Number(fields[field]) === value) pids.push(pid);
  }
  return pids;
}
