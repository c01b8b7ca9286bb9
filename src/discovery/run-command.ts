/**
 * Runs one install command (npm install, docker pull): an argv array spawned without a shell, in
 * a process group of its own so that a timeout or an abort ends the command and everything it
 * started, with its output passed on line by line and the last lines kept for the error message.
 * The group is recorded while it runs (`groups`), so a daemon killed mid-install has its next
 * start end it.
 */
import { spawn } from "node:child_process";
import { AppError, errorMessage } from "../core/errors.js";
import { terminateGroup } from "../mcp/index.js";

export interface RunCommandOptions {
  /** The command and its arguments; argv[0] is looked up on `env.PATH`. */
  argv: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** How many of the last output lines to keep. */
  tailLines?: number;
  /** Where the command's process group is recorded while it runs. */
  groups?: CommandGroups;
}

/** Records an install command's process group from its spawn until it is gone; a failed record is the implementation's to log. */
export interface CommandGroups {
  /** Variables the command and its children carry, by which a later daemon knows them as ours. */
  env: Record<string, string>;
  started(pgid: number, command: string): Promise<void>;
  ended(pgid: number): Promise<void>;
}

export interface RunCommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of stdout and stderr together, in order. */
  tail: string[];
}

/** Longest line passed on; npm can print long JSON blobs. */
const MAX_LINE_CHARS = 1000;
/** How long a command gets after SIGTERM before its group is killed. */
const KILL_GRACE_MS = 3000;

/**
 * Resolves when the command exits, whatever its exit code. Rejects with INSTALL_TIMEOUT after
 * `timeoutMs`, with the signal's reason on abort (the group is ended first in both cases), and
 * with RUNTIME_MISSING when the command is not found.
 */
export function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const [command, ...args] = options.argv;
  if (command === undefined) return Promise.reject(new AppError("INTERNAL", "runCommand: empty argv"));
  const tailLines = options.tailLines ?? 20;
  const tail: string[] = [];

  return new Promise<RunCommandResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason);
      return;
    }
    const child = spawn(command, args, {
      env: { ...options.env, ...options.groups?.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      shell: false,
    });
    let settled = false;
    let ending: Promise<void> | undefined;
    let failure: unknown;
    const pgid = child.pid;
    const recorded = pgid === undefined ? undefined : options.groups?.started(pgid, options.argv.join(" "));

    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (recorded === undefined || pgid === undefined) {
        outcome();
        return;
      }
      // Forgotten once the record is written, so a slow insert cannot outlive its removal.
      void recorded.then(() => options.groups?.ended(pgid)).then(outcome, outcome);
    };

    const end = (reason: unknown): void => {
      if (failure !== undefined || settled) return;
      failure = reason;
      const pid = child.pid;
      ending = pid === undefined ? Promise.resolve() : terminateGroup(pid, KILL_GRACE_MS);
    };

    const timer = setTimeout(() => {
      end(new AppError("INSTALL_TIMEOUT", `${command} did not finish within ${Math.round(options.timeoutMs / 100) / 10} s`));
    }, options.timeoutMs);
    const onAbort = (): void => end(options.signal?.reason ?? new AppError("INSTALL_FAILED", "the install was cancelled"));
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const keep = (line: string): void => {
      const text = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
      tail.push(text);
      if (tail.length > tailLines) tail.shift();
      options.onLine?.(text);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffered += chunk;
        let at: number;
        while ((at = buffered.indexOf("\n")) !== -1) {
          const line = buffered.slice(0, at).replace(/\r$/, "").trim();
          buffered = buffered.slice(at + 1);
          if (line !== "") keep(line);
        }
        // A "line" without an end that keeps growing is cut, so memory stays bounded.
        if (buffered.length > MAX_LINE_CHARS * 4) {
          keep(buffered);
          buffered = "";
        }
      });
      stream.on("end", () => {
        if (buffered.trim() !== "") keep(buffered.trim());
        buffered = "";
      });
    }

    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        finish(() => reject(new AppError("RUNTIME_MISSING", `${command} is not on the daemon's PATH`, { missing: command })));
      } else {
        finish(() => reject(new AppError("INSTALL_FAILED", `could not run ${command}: ${errorMessage(error)}`)));
      }
    });
    child.on("close", (code, signal) => {
      if (failure !== undefined) {
        const reason = failure;
        void (ending ?? Promise.resolve()).then(() => finish(() => reject(reason)));
        return;
      }
      finish(() => resolve({ code, signal, tail }));
    });
  });
}
