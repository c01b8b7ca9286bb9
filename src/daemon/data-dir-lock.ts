/**
 * One daemon per data directory: two would fight over the same servers and the orphan records.
 * The lock is a file holding the owner's pid; a lock whose owner is dead is taken over. A clean
 * stop removes the file, so a dead owner's lock means that run ended uncleanly (kill -9, a crash,
 * a power cut).
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../core/errors.js";
import { processAlive } from "../core/process-alive.js";

export const LOCK_FILE = "pygent.lock";

/** A run of the daemon that ended without a clean stop, as its lock file tells. */
export interface PreviousRun {
  pid: number;
  /** ISO 8601, or null when the lock file did not say. */
  started_at: string | null;
}

export interface DataDirLock {
  /** The run before this one, when it ended without a clean stop. */
  readonly unclean: PreviousRun | undefined;
  release(): void;
}

/** The lock file's owner, as far as the file can be read. */
function readLock(path: string): { pid: number | undefined; started_at: string | null } {
  try {
    const held = JSON.parse(readFileSync(path, "utf8")) as { pid?: number; started_at?: string };
    return { pid: held.pid, started_at: typeof held.started_at === "string" ? held.started_at : null };
  } catch {
    return { pid: undefined, started_at: null };
  }
}

/** The pid of the running daemon that holds the data directory, if one does. */
export function dataDirOwner(dataDir: string): number | undefined {
  const { pid } = readLock(join(dataDir, LOCK_FILE));
  return pid !== undefined && processAlive(pid) ? pid : undefined;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const payload = JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() });
  let unclean: PreviousRun | undefined;
  try {
    writeFileSync(path, payload, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const { pid: owner, started_at: ownerStartedAt } = readLock(path);
    if (owner !== undefined && processAlive(owner)) {
      throw new AppError(
        "CONFIG_INVALID",
        `another PyGent daemon (pid ${owner}) is using the data directory ${dataDir}; stop it or choose another --data-dir`,
      );
    }
    if (owner !== undefined) unclean = { pid: owner, started_at: ownerStartedAt };
    writeFileSync(path, payload);
    chmodSync(path, 0o600);
  }
  return {
    unclean,
    release() {
      try {
        const current = JSON.parse(readFileSync(path, "utf8")) as { pid?: number };
        if (current.pid === process.pid) rmSync(path, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
