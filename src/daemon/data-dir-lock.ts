/**
 * One daemon per data directory: two would fight over the same servers and the orphan records.
 * The lock is a file holding the owner's pid; a lock whose owner is dead is taken over.
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../core/errors.js";
import { processAlive } from "../core/process-alive.js";

export const LOCK_FILE = "pygent.lock";

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const payload = JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() });
  try {
    writeFileSync(path, payload, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    let owner: number | undefined;
    try {
      owner = (JSON.parse(readFileSync(path, "utf8")) as { pid?: number }).pid;
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && processAlive(owner)) {
      throw new AppError(
        "CONFIG_INVALID",
        `another PyGent daemon (pid ${owner}) is using the data directory ${dataDir}; stop it or choose another --data-dir`,
      );
    }
    writeFileSync(path, payload);
    chmodSync(path, 0o600);
  }
  return {
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
