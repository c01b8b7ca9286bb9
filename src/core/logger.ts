/**
 * The product's logger: pino, with the fields that can carry secrets redacted. Library code takes
 * a Logger and makes a child with its module name; nothing writes to the console directly.
 */
import { pino, type Logger as PinoLogger } from "pino";

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
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.PYGENT_LOG_LEVEL ?? "info",
      base: { name: "pygent" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    options.destination ?? process.stderr,
  );
}

/** A logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
