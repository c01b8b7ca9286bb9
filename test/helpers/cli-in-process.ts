// Runs the pygent CLI inside the test process (runCli with a captured CliIo), without colours,
// so that a test reads exactly what a user would see on a pipe.
import type { CliIo } from "../../src/cli/cli-context.js";
import { runCli } from "../../src/cli/main.js";
import { painter } from "../../src/cli/table.js";

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pygent <args>` with `env` as its environment; `isTTY` makes stdout count as a terminal. */
export async function runCliCaptured(args: string[], env: NodeJS.ProcessEnv = {}, isTTY = false): Promise<CapturedRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    write: (text) => void (stdout += text),
    writeErr: (text) => void (stderr += text),
    out: (line) => void (stdout += `${line}\n`),
    err: (line) => void (stderr += `${line}\n`),
    env,
    paint: painter(false),
    isTTY,
  };
  const code = await runCli(["node", "pygent", ...args], io);
  return { code, stdout, stderr };
}
