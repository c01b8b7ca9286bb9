/**
 * A readable form of the JSON log lines for a person at a terminal:
 * `14:02:11 INFO  everything: server state state=running previous=starting`.
 * Machines (files, pipes, CI) keep getting one JSON object per line.
 */
import { Writable } from "node:stream";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const HIDDEN = new Set(["level", "time", "name", "msg", "pid", "hostname", "module", "server_id"]);

export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof record.time === "number" ? record.time : Date.now()).toTimeString().slice(0, 8);
  const level = LEVELS[record.level as number] ?? String(record.level);
  const where = [record.module, record.server_id].filter((part) => typeof part === "string").join(" ");
  const fields = Object.entries(record)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${time} ${level} ${where ? `${where}: ` : ""}${String(record.msg ?? "")}${fields ? ` ${fields}` : ""}`;
}

/** A stream that takes pino's JSON lines and writes them formatted to `target`. */
export function prettyStream(target: NodeJS.WritableStream): Writable {
  let partial = "";
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line) target.write(`${formatLogLine(line)}\n`);
      callback();
    },
  });
}
