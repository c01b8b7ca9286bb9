/**
 * Runs `pygent serve` as a real child process for end-to-end tests: a fresh port (0), a temp
 * data folder, and a way to talk to it and to end it. The built CLI (dist/) is what runs, as a
 * user would run it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAlive, waitFor } from "./processes.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "bin/pygent.js");

export interface DaemonProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** `env` adds to (or overrides) the test's own environment. */
export async function startDaemon(dataDir: string, configPath: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "--port", "0", "--data-dir", dataDir, "--config", configPath, "--log-level", "warn", ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...env } },
  );
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${err}`);
      return /listening on (http:\/\/\S+)/.exec(out)?.[1];
    },
    { timeoutMs: 20_000, message: "the daemon to listen" },
  ).catch((error: unknown) => {
    if (child.exitCode === null) child.kill("SIGKILL");
    throw error;
  });
  return {
    child,
    url,
    stderr: () => err,
    async api<T>(path: string, init?: RequestInit) {
      const response = await fetch(`${url}${path}`, {
        ...init,
        headers: { "content-type": "application/json", ...(init?.headers as Record<string, string> | undefined) },
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
      return child.exitCode;
    },
  };
}

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode([BIN, ...args], { env });
}

export interface RunNodeOptions {
  /** Adds to (or overrides) the test's own environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A run that outlives it is killed (its code is then null), so that a hung client fails the test. */
  timeoutMs?: number;
  /** Written to its stdin, which is then closed; none: stdin is not open. */
  input?: string;
}

/** Runs `node <args>` to completion; resolves with its exit code and output. */
export async function runNode(args: string[], { env = {}, cwd, timeoutMs, input }: RunNodeOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...env },
    ...(cwd ? { cwd } : {}),
    ...(timeoutMs ? { timeout: timeoutMs, killSignal: "SIGKILL" as const } : {}),
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  if (input !== undefined) child.stdin?.end(input);
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

export function expectAllGone(pids: number[]): Promise<unknown> {
  return waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, message: `pids ${pids.join(", ")} to be gone` });
}
