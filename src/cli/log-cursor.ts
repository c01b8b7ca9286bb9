/**
 * Which log lines are new since the last poll, for `servers logs --follow`. The API returns the
 * newest N lines of a ring buffer with no sequence numbers, so the cursor is the last line's
 * timestamp plus how many lines at that same millisecond were already printed.
 */
import type { LogLine } from "../mcp/index.js";

export interface LogCursor {
  at: number;
  seenAtLast: number;
}

export const START_CURSOR: LogCursor = { at: -Infinity, seenAtLast: 0 };

/**
 * The lines after the cursor (oldest first) and the cursor after them. If more lines than one
 * poll's limit arrive between polls the oldest of them are missed, as with `tail -f` on a
 * rotated file; the poll limit is set well above a second's worth of output.
 */
export function linesAfter(lines: readonly LogLine[], cursor: LogCursor): { lines: LogLine[]; cursor: LogCursor } {
  const fresh: LogLine[] = [];
  let skipAtLast = cursor.seenAtLast;
  for (const line of lines) {
    if (line.at < cursor.at) continue;
    if (line.at === cursor.at && skipAtLast > 0) {
      skipAtLast--;
      continue;
    }
    fresh.push(line);
  }
  const last = fresh[fresh.length - 1];
  if (!last) return { lines: fresh, cursor };
  const sameAsLast = fresh.filter((line) => line.at === last.at).length;
  const next = last.at === cursor.at ? cursor.seenAtLast + sameAsLast : sameAsLast;
  return { lines: fresh, cursor: { at: last.at, seenAtLast: next } };
}
