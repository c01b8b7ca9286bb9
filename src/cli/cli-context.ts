/**
 * What every command is given: where to write, the environment, and the exit code to finish
 * with. Commands write through CliIo rather than process.stdout so tests run them in-process and
 * read what they printed; the exit code is set, not process.exit()ed, so `serve` can keep running.
 */
import type { Command } from "commander";
import { createApiClient, DEFAULT_DAEMON_URL, type ApiClient } from "./client.js";
import { colourEnabled, painter, type Painter } from "./table.js";
import { terminalSafeJson } from "./terminal-text.js";

export interface CliIo {
  /** Raw output, as commander writes help. */
  write(text: string): void;
  writeErr(text: string): void;
  /** One line of output (a newline is added). */
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Colours for stdout. */
  paint: Painter;
  /** stdout is a terminal: a progress line may be redrawn in place. */
  isTTY?: boolean;
}

export interface CliContext {
  io: CliIo;
  /** 0 unless a command decides the run failed without throwing (a failed probe, an unhealthy daemon). */
  exitCode: number;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad input the user can fix by changing the command line; exits 2 like commander's own errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function processIo(env: NodeJS.ProcessEnv = process.env): CliIo {
  // The reader went away (`pygent ... | head`): the rest of the output is not wanted, which is not
  // an error. The command carries on (a daemon under `serve` still shuts down cleanly later).
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  });
  return {
    write: (text) => void process.stdout.write(text),
    writeErr: (text) => void process.stderr.write(text),
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    env,
    paint: painter(colourEnabled(process.stdout, env)),
    isTTY: process.stdout.isTTY === true,
  };
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(terminalSafeJson(value));
}

/** Adds the daemon connection options to a client command; `url: false` where --url means something else. */
export function withDaemonOptions(command: Command, options: { url?: boolean } = {}): Command {
  if (options.url !== false) {
    command.option("--url <url>", `daemon URL (default: $PYGENT_URL or ${DEFAULT_DAEMON_URL})`);
  }
  return command.option("--token <token>", "API token (default: $PYGENT_TOKEN)");
}

/**
 * The client for a command. The daemon URL and token may be given on the command, before it
 * (`pygent --url ... servers add`), or in PYGENT_URL / PYGENT_TOKEN — the nearest wins.
 */
export function clientFor(
  command: Command,
  ctx: CliContext,
  options: { timeoutMs?: number; ownUrl?: boolean } = {},
): ApiClient {
  const { url, token } = daemonTarget(command, ctx, options);
  return createApiClient({ baseUrl: url, token, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
}

/** The daemon URL and token a command uses, resolved as clientFor does. */
export function daemonTarget(command: Command, ctx: CliContext, options: { ownUrl?: boolean } = {}): { url: string; token: string | undefined } {
  const url = optionFromAncestors(command, "url", options.ownUrl === false) ?? ctx.io.env.PYGENT_URL ?? DEFAULT_DAEMON_URL;
  const token = optionFromAncestors(command, "token", false) ?? ctx.io.env.PYGENT_TOKEN;
  return { url, token: token || undefined };
}

function optionFromAncestors(command: Command, key: string, skipSelf: boolean): string | undefined {
  for (let current: Command | null = skipSelf ? command.parent : command; current; current = current.parent) {
    const value: unknown = current.opts()[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

/** An "Examples:" block for a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`;
}
