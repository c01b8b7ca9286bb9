/** A bounded ring of a server's recent log lines: the last N are kept, older ones fall off. */
import type { LogLine } from "./manager-types.js";

const MAX_LINE_CHARS = 4096;

export class LogRing {
  private readonly lines: (LogLine | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.lines = new Array<LogLine | undefined>(capacity);
  }

  push(entry: LogLine): void {
    const line = entry.line.length > MAX_LINE_CHARS ? `${entry.line.slice(0, MAX_LINE_CHARS)}…` : entry.line;
    this.lines[this.next] = { ...entry, line };
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The newest `limit` lines, oldest first. */
  tail(limit = this.capacity): LogLine[] {
    const count = Math.min(limit, this.size);
    const out: LogLine[] = [];
    for (let i = count; i > 0; i--) {
      const line = this.lines[(this.next - i + this.capacity) % this.capacity];
      if (line) out.push(line);
    }
    return out;
  }
}
