/**
 * The product's logger: pino, with the fields that can carry secrets redacted. Library code takes
 * a Logger and makes a child with its module name; nothing writes to the console directly.
 */
import { pino, type Logger as PinoLogger } from "pino";
import { prettyStream } from "./pretty-log.js";

export type Logger = PinoLogger;

export const REDACTED_PATHS = [
  "headers.authorization",
  "headers.Authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "config.env",
  "config.headers",
  "env",
  "token",
  "secret",
  "password",
  "*.token",
  "*.secret",
  "*.password",
];

export interface LoggerOptions {
  level?: string;
  /** Where to write; standard error by default so standard output stays free for the CLI. */
  destination?: NodeJS.WritableStream;
  /** `json` (one object per line) or `pretty`; by default pretty on a terminal, JSON otherwise. */
  format?: "json" | "pretty";
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const target = options.destination ?? process.stderr;
  const format = options.format ?? ((target as { isTTY?: boolean }).isTTY ? "pretty" : "json");
  return pino(
    {
      level: options.level ?? process.env.PYGENT_LOG_LEVEL ?? "info",
      base: { name: "pygent" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    format === "pretty" ? prettyStream(target) : target,
  );
}

/** A logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
