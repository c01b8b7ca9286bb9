/**
 * The data directory holds the database, the secret key and the lock: on a shared machine
 * nobody but the daemon's user may read them. The folder is 0700 and every file the store
 * writes is 0600, whatever the umask; SQLite gives its -wal and -shm files the mode of the
 * database file, so a 0600 database keeps them private too.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Creates the folder 0700, or takes an existing one down to 0700; resolves with the mode it had
 * when that was wider, so the caller can say what it changed.
 */
export function securePrivateDir(dir: string): { previousMode: number | null } {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return { previousMode: null };
  chmodSync(dir, mode & PRIVATE_DIR);
  return { previousMode: mode };
}

/** Creates the file empty and 0600 when missing; takes an existing one down to 0600. */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, "a", PRIVATE_FILE));
  chmodSync(path, PRIVATE_FILE);
}

/** Takes each existing file down to 0600; missing ones are skipped. */
export function restrictExisting(paths: readonly string[]): void {
  for (const path of paths) if (existsSync(path)) chmodSync(path, PRIVATE_FILE);
}
