/**
 * Signals for whole process groups. Stdio servers run as leaders of their own group, so that
 * `npx`-style wrappers and whatever they spawn are ended together.
 */
import { readFileSync, readdirSync } from "node:fs";
import { procStatFields } from "../core/proc-stat.js";

/** A group that does not go at once is looked at again after 5 ms, then ever less often, up to every 50 ms. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

/** True while any process of the group exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while the process runs; an exited process not yet reaped (a zombie) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const fields = procStatFields(pid);
  return fields === undefined ? !procAvailable() : fields[0] !== "Z";
}

let hasProc: boolean | undefined;

function procAvailable(): boolean {
  if (hasProc === undefined) {
    try {
      readdirSync("/proc/self");
      hasProc = true;
    } catch {
      hasProc = false;
    }
  }
  return hasProc;
}

/** Every live (not zombie) process by process group, read from /proc (Linux); empty without it. */
function scanGroups(): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return groups;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStatFields(entry);
    if (!fields || fields[0] === "Z") continue;
    const pgid = Number(fields[2]);
    const members = groups.get(pgid);
    if (members) members.push(Number(entry));
    else groups.set(pgid, [Number(entry)]);
  }
  return groups;
}

/** The pids whose process group is pgid, read fresh from /proc (Linux); empty where /proc is absent. */
export function pidsInGroup(pgid: number): number[] {
  return scanGroups().get(pgid) ?? [];
}

/**
 * Process groups from one scan of /proc reused for `maxAgeMs`: reading /proc costs a file per
 * process on the machine, too much to repeat for every server's health check.
 */
export class ProcessTable {
  private groups = new Map<number, number[]>();
  private scannedAt = -Infinity;

  constructor(private readonly maxAgeMs: number) {}

  group(pgid: number): number[] {
    const now = Date.now();
    // A group missing from the table may have started since the scan: look again, once.
    if (now - this.scannedAt > this.maxAgeMs || (!this.groups.has(pgid) && now > this.scannedAt)) {
      this.groups = scanGroups();
      this.scannedAt = now;
    }
    return this.groups.get(pgid) ?? [];
  }
}

/** The value of one environment variable of a running process, from /proc (same user only). */
export function processEnvValue(pid: number, name: string): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    const prefix = `${name}=`;
    for (const entry of environ.split("\0")) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * SIGTERM to the group, then SIGKILL to what is left after graceMs. Resolves once no process of
 * the group remains, or after a last SIGKILL and a short wait.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitGroupGone(pgid, 2000);
}

interface GroupWaiter {
  pgid: number;
  deadline: number;
  resolve: (gone: boolean) => void;
}

/** Groups someone is waiting on; one poll (and at most one /proc scan) serves all of them. */
const waiters = new Set<GroupWaiter>();
let pollTimer: NodeJS.Timeout | undefined;
let pollDelayMs = FIRST_POLL_MS;

/**
 * Resolves true once no live process of the group remains (zombies count as gone), false at the
 * timeout. A daemon stopping two hundred servers waits on two hundred groups at once: each poll
 * reads /proc once for all of them, not once per group, which made shutdown grow with the square
 * of the number of servers.
 */
export function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  if (!groupAlive(pgid)) return Promise.resolve(true);
  return new Promise((resolve) => {
    waiters.add({ pgid, deadline: Date.now() + timeoutMs, resolve });
    if (pollTimer === undefined) {
      pollDelayMs = FIRST_POLL_MS;
      pollTimer = setTimeout(pollGroups, pollDelayMs);
    }
  });
}

function pollGroups(): void {
  pollTimer = undefined;
  const now = Date.now();
  let groups: Map<number, number[]> | undefined;
  for (const waiter of waiters) {
    let gone = !groupAlive(waiter.pgid);
    // kill(0) also answers for zombies not reaped yet: only /proc tells them apart.
    if (!gone && procAvailable()) {
      groups ??= scanGroups();
      gone = !groups.has(waiter.pgid);
    }
    if (gone || now >= waiter.deadline) {
      waiters.delete(waiter);
      waiter.resolve(gone);
    }
  }
  if (waiters.size === 0) return;
  pollDelayMs = Math.min(pollDelayMs * 2, MAX_POLL_MS);
  pollTimer = setTimeout(pollGroups, pollDelayMs);
}
