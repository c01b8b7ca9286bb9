/**
 * Deleting old rows without stalling the daemon: better-sqlite3 runs on the daemon's event loop,
 * so a retention backlog of millions of rows is deleted a bounded chunk at a time, yielding
 * between chunks so health checks and requests keep being served.
 */
import type { SqliteDatabase } from "./database.js";

/** Rows deleted per statement: small enough that one chunk takes milliseconds. */
const DELETE_CHUNK_ROWS = 2000;

/** Lets other work run between chunks of a long job. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Prepares a pruner for `table`, whose integer primary key is `id`: each call deletes the rows
 * whose `column` is before the cutoff, chunk by chunk, and resolves with how many went.
 */
export function chunkedPruner(
  db: SqliteDatabase,
  table: string,
  column: string,
  chunkRows = DELETE_CHUNK_ROWS,
): (before: number) => Promise<number> {
  const deleteChunk = db.prepare(
    `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ?)`,
  );
  return async (before) => {
    let total = 0;
    for (;;) {
      const { changes } = deleteChunk.run(before, chunkRows);
      total += changes;
      if (changes < chunkRows) return total;
      await yieldToLoop();
    }
  };
}
