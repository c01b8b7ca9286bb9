/**
 * Writes refused for want of space: SQLite's SQLITE_FULL (the disk, or the database's page
 * limit, is full), SQLITE_IOERR_SHMSIZE (the WAL index could not grow: the volume is out of
 * space), and ENOSPC or EDQUOT from a file write in the data directory. Such a failure becomes
 * STORAGE_FULL; the store keeps the fault while it lasts, so health and alerts can say so, and
 * drops it once a write succeeds that needed room the database did not have when writes were
 * refused (a small write that fits in a page already there proves nothing about the disk). A
 * refused write changes nothing, so what was stored before is kept.
 */
import { AppError, errorMessage } from "../core/errors.js";

const NO_SPACE_CODES: ReadonlySet<string> = new Set(["SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "ENOSPC", "EDQUOT"]);

export interface StorageFault {
  /** What refused the write, e.g. "database or disk is full". */
  reason: string;
  /** The file the write was for. */
  path: string;
  /** When the first refused write of this fault happened, ms since the epoch. */
  since: number;
}

export function isStorageFull(error: unknown): boolean {
  if (error instanceof AppError) return error.code === "STORAGE_FULL";
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && NO_SPACE_CODES.has(code);
}

/** STORAGE_FULL for a write refused for want of space; `path` when the error names no file. */
export function storageFullError(error: unknown, path: string): AppError {
  if (error instanceof AppError) return error;
  const file = (error as { path?: unknown }).path;
  const where = typeof file === "string" ? file : path;
  return new AppError(
    "STORAGE_FULL",
    `storage is full: a write to ${where} was refused (${errorMessage(error)}); nothing stored was lost; free space in the data directory, then retry`,
    { path: where },
  );
}

export type StorageFaultListener = (fault: StorageFault | null) => void;

/**
 * Watches the store's calls. `pages()` is the database's size in pages; a call that succeeds
 * while the database has grown since the last refused write means the disk takes writes again.
 */
export class StorageFaultWatch {
  private fault: StorageFault | null = null;
  private pagesAtFault = 0;
  private readonly listeners = new Set<StorageFaultListener>();

  constructor(
    private readonly path: string,
    private readonly pages: () => number,
    private readonly now: () => number,
  ) {}

  current(): StorageFault | null {
    return this.fault;
  }

  onChange(listener: StorageFaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a repository call: a refused write rejects with STORAGE_FULL and starts (or extends) the fault. */
  async run<R>(call: () => Promise<R>): Promise<R> {
    let result: R;
    try {
      result = await call();
    } catch (error) {
      if (!isStorageFull(error)) throw error;
      const refused = storageFullError(error, this.path);
      this.pagesAtFault = this.pages();
      if (this.fault === null) {
        this.fault = { reason: errorMessage(error), path: (refused.details as { path: string }).path, since: this.now() };
        this.notify();
      }
      throw refused;
    }
    if (this.fault !== null && this.pages() > this.pagesAtFault) {
      this.fault = null;
      this.notify();
    }
    return result;
  }

  /** The repository with every method run through `run`. */
  guard<T extends object>(repository: T): T {
    const guarded: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(repository)) {
      guarded[name] =
        typeof value === "function" ? (...args: unknown[]) => this.run(() => (value as (...a: unknown[]) => Promise<unknown>).apply(repository, args)) : value;
    }
    return guarded as T;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener(this.fault);
  }
}
