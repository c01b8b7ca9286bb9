/**
 * Install commands run without a shell in their own process group, recorded while they run: a timeout or an abort ends
 * the command and what it started; a missing command is RUNTIME_MISSING.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { isAlive, makeTempDir, removeTempDir, waitFor } from "../../test/helpers/processes.js";
import { runCommand } from "./run-command.js";

let dir: string;
beforeEach(() => {
  dir = makeTempDir("pygent-run-");
});
afterEach(() => {
  removeTempDir(dir);
});

const env = { PATH: process.env.PATH ?? "" };

/** A command that starts a grandchild, writes its pid to a file, then waits forever. */
function hangingWithGrandchild(pidFile: string): string[] {
  const script = `
    const { spawn } = require("node:child_process");
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
    console.log("started");
    setInterval(() => {}, 1000);
  `;
  return [process.execPath, "-e", script];
}

describe("runCommand", () => {
  it("resolves with the exit code and the last output lines", async () => {
    const seen: string[] = [];
    const result = await runCommand({
      argv: [process.execPath, "-e", 'console.log("one"); console.error("two"); process.exit(3)'],
      env,
      timeoutMs: 10_000,
      onLine: (line) => seen.push(line),
    });
    expect(result.code).toBe(3);
    expect(result.tail.sort()).toEqual(["one", "two"]);
    expect(seen.sort()).toEqual(["one", "two"]);
  });

  it("records its process group while it runs, with the marker its processes carry, and forgets it once done", async () => {
    const calls: string[] = [];
    const result = await runCommand({
      argv: [process.execPath, "-e", "console.log(process.env.PYGENT_DAEMON_INSTANCE)"],
      env,
      timeoutMs: 10_000,
      groups: {
        env: { PYGENT_DAEMON_INSTANCE: "run-1" },
        started: async (pgid, command) => {
          calls.push(`started ${pgid > 0} ${command.endsWith("console.log(process.env.PYGENT_DAEMON_INSTANCE)")}`);
        },
        ended: async () => {
          calls.push("ended");
        },
      },
    });
    expect(result.tail).toEqual(["run-1"]);
    expect(calls).toEqual(["started true true", "ended"]);
  });

  it("does not run a shell: metacharacters are plain arguments", async () => {
    const result = await runCommand({ argv: [process.execPath, "-e", "console.log(process.argv[1])", "$(touch x); echo hi"], env, timeoutMs: 10_000 });
    expect(result.tail).toEqual(["$(touch x); echo hi"]);
  });

  it("ends the whole process group on timeout and rejects with INSTALL_TIMEOUT", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const began = Date.now();
    const error = await runCommand({ argv: hangingWithGrandchild(pidFile), env, timeoutMs: 800 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("INSTALL_TIMEOUT");
    expect(Date.now() - began).toBeLessThan(8000);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !isAlive(grandchild), { timeoutMs: 5000, message: "grandchild gone" });
  });

  it("ends the group when aborted and rejects with the reason", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const controller = new AbortController();
    const pending = runCommand({
      argv: hangingWithGrandchild(pidFile),
      env,
      timeoutMs: 60_000,
      signal: controller.signal,
      onLine: () => controller.abort(new AppError("INSTALL_FAILED", "stopping")),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const error = await pending;
    expect((error as AppError).message).toBe("stopping");
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !isAlive(grandchild), { timeoutMs: 5000, message: "grandchild gone" });
  });

  it("reports a command that is not on PATH as RUNTIME_MISSING", async () => {
    const error = await runCommand({ argv: ["pygent-no-such-tool-xyz", "install"], env, timeoutMs: 5000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as AppError).code).toBe("RUNTIME_MISSING");
    expect((error as AppError).message).toContain("pygent-no-such-tool-xyz");
  });
});
