/** A pino logger that keeps every line it writes, so tests can assert on warnings. */
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../src/core/logger.js";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[]; warnings: () => LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      }
      callback();
    },
  });
  const logger = pino({ level: "debug" }, stream);
  return { logger, lines, warnings: () => lines.filter((line) => line.level === 40) };
}
