// Starts node scripts that serve MCP over HTTP on loopback (server-everything, HTTP fixtures),
// each in its own process group. The caller owns what it started: `started` collects the
// children, which the test file ends after each test.
import { spawn, type ChildProcess } from "node:child_process";
import { packageBin } from "../../src/config/package-bin.js";
import { freePort } from "./network.js";
import { waitFor } from "./processes.js";

/**
 * Starts a node script that serves HTTP on `port` (0: it picks one), with `env` added to its
 * environment; resolves with the port once it listens.
 */
export async function serveHttp(
  started: ChildProcess[],
  args: string[],
  port: number,
  what: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  started.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = await waitFor(() => /(?:listening|running) on port (\d+)/i.exec(stderr), { timeoutMs: 15_000, message: `${what} to listen` });
  return { child, port: Number(listening[1]) };
}

/** server-everything in the given HTTP mode, on a free port unless one is given. */
export async function serveEverything(
  started: ChildProcess[],
  mode: "streamableHttp" | "sse" = "streamableHttp",
  port?: number,
): Promise<{ child: ChildProcess; port: number }> {
  return serveHttp(started, [packageBin("@modelcontextprotocol/server-everything"), mode], port ?? (await freePort()), `${mode} server`);
}
