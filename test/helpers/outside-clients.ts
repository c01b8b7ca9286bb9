/**
 * MCP clients nobody here wrote, run as their users run them: the Inspector in CLI mode
 * (`@modelcontextprotocol/inspector-cli --cli`) and the official conformance suite in server mode
 * (`@modelcontextprotocol/conformance server`, on Node 20 through the `fs.globSync` shim).
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { packageBin } from "../../src/config/package-bin.js";
import { runNode } from "./daemon-process.js";

const INSPECTOR = packageBin("@modelcontextprotocol/inspector-cli");
const CONFORMANCE = packageBin("@modelcontextprotocol/conformance");
const GLOB_SHIM = fileURLToPath(new URL("./fs-glob-sync-shim.mjs", import.meta.url));

/** The conformance fixture's baseline through the gateway: each scenario expected to fail, and why. */
export const CONFORMANCE_EXPECTED_FAILURES = fileURLToPath(new URL("../fixtures/conformance-expected-failures.yml", import.meta.url));

const RUN_TIMEOUT_MS = 120_000;

/**
 * One Inspector CLI run (`--cli <target...> --method ...`); resolves with its JSON answer.
 * Throws with the Inspector's own output when it fails.
 */
export async function inspect(args: string[]): Promise<unknown> {
  // Run from its own build folder: it finds its package.json by a path relative to the working
  // directory (../package.json) but imports it relative to its module, so only there do both agree.
  const run = await runNode([INSPECTOR, "--cli", ...args], { cwd: dirname(INSPECTOR), timeoutMs: RUN_TIMEOUT_MS });
  if (run.code !== 0) throw new Error(`the Inspector exited with ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout);
}

export interface ConformanceRun {
  code: number | null;
  /** Checks passed and failed over every scenario (the suite's "Total:" line). */
  passed: number;
  failed: number;
  output: string;
}

/** The conformance suite's active server scenarios against `url`; with `expectedFailures`, judged against that baseline. */
export async function runConformance(url: string, outputDir: string, expectedFailures?: string): Promise<ConformanceRun> {
  const args = [CONFORMANCE, "server", "--url", url, "--output-dir", outputDir, ...(expectedFailures ? ["--expected-failures", expectedFailures] : [])];
  const run = await runNode(["--import", GLOB_SHIM, ...args], { timeoutMs: RUN_TIMEOUT_MS });
  const output = run.stdout + run.stderr;
  const total = /Total: (\d+) passed, (\d+) failed/.exec(output);
  if (!total) throw new Error(`the conformance suite printed no total (exit ${run.code}): ${output.slice(-2000)}`);
  return { code: run.code, passed: Number(total[1]), failed: Number(total[2]), output };
}
