/**
 * Remote servers: the official `server-everything` served over Streamable HTTP and over SSE on a
 * loopback port, supervised through the same manager as stdio servers.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InProcessBus } from "../src/bus/index.js";
import { packageBin } from "../src/config/package-bin.js";
import { parseServer } from "../src/config/validate.js";
import { systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { freePort } from "./helpers/network.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

/** Starts server-everything in the given HTTP mode; resolves once it listens. */
async function serveEverything(mode: "streamableHttp" | "sse"): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [packageBin("@modelcontextprotocol/server-everything"), mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => /listening on port|running on port/i.test(stderr), { timeoutMs: 15_000, message: `${mode} server to listen` });
  return { child, port };
}

let dir: string;
let store: Store;
let manager: McpManager;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-remote-");
  store = openStore(dir, systemClock);
  manager = createMcpManager({ clock: systemClock, bus: new InProcessBus(), store, logger: silentLogger(), daemonInstance: newId() });
});

afterEach(async () => {
  await manager.stop();
  store.close();
  for (const child of children.splice(0)) if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  removeTempDir(dir);
});

describe("remote transports", () => {
  for (const [mode, transport, path] of [
    ["streamableHttp", "http", "/mcp"],
    ["sse", "sse", "/sse"],
  ] as const) {
    it(`connects to server-everything over ${transport} and calls a tool`, async () => {
      const { child, port } = await serveEverything(mode);
      children.push(child);
      await manager.applyConfig([parseServer({ id: `remote-${transport}`, transport, url: `http://127.0.0.1:${port}${path}` })]);
      await manager.start();
      const view = await waitFor(() => {
        const current = manager.get(`remote-${transport}`);
        return current.state === "running" ? current : undefined;
      }, { timeoutMs: 15_000, message: "remote server running" });
      expect(view.transport).toBe(transport);
      expect(view.pid).toBeNull();
      expect(view.tools_count).toBeGreaterThan(0);
      const result = await manager.callTool(`remote-${transport}`, "echo", { message: `over ${transport}` });
      expect(JSON.stringify(result.content)).toContain(`over ${transport}`);
      expect(await manager.ping(`remote-${transport}`)).toBeGreaterThanOrEqual(0);
    });
  }

  it("puts an unreachable remote server in backoff with the reason", async () => {
    const port = await freePort();
    await manager.applyConfig([parseServer({ id: "gone", url: `http://127.0.0.1:${port}/mcp`, restart_backoff_initial: 5 })]);
    await manager.start();
    const view = await waitFor(() => {
      const current = manager.get("gone");
      return current.state === "backoff" ? current : undefined;
    }, { timeoutMs: 15_000, message: "backoff" });
    expect(view.reason).toMatch(/fetch failed|ECONNREFUSED|connect/i);
  });
});
