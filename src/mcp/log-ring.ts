/**
 * A bounded ring of a server's recent log lines: the last N are kept, older ones fall off. It
 * grows with what is written, so a server that never runs (a disabled entry) costs nothing.
 */
import type { LogLine } from "./manager-types.js";

const MAX_LINE_CHARS = 4096;

export class LogRing {
  private readonly lines: LogLine[] = [];
  /** Once full: where the oldest line is, which the next one replaces. */
  private next = 0;

  constructor(readonly capacity: number) {}

  push(entry: LogLine): void {
    const line = entry.line.length > MAX_LINE_CHARS ? `${entry.line.slice(0, MAX_LINE_CHARS)}…` : entry.line;
    if (this.lines.length < this.capacity) {
      this.lines.push({ ...entry, line });
      return;
    }
    this.lines[this.next] = { ...entry, line };
    this.next = (this.next + 1) % this.capacity;
  }

  /** The newest `limit` lines, oldest first. */
  tail(limit = this.capacity): LogLine[] {
    const size = this.lines.length;
    const out: LogLine[] = [];
    for (let i = size - Math.min(limit, size); i < size; i++) {
      const line = this.lines[(this.next + i) % size];
      if (line) out.push(line);
    }
    return out;
  }
}
