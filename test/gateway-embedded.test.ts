/**
 * `pygent mcp --embedded` as a desktop client launches it when no daemon runs (dist/, real
 * processes): the command runs the config file's servers itself and serves them on stdio, and
 * takes them down with it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { BIN, expectAllGone, runCli } from "./helpers/daemon-process.js";
import { childPids, isAlive, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let config: string;
let dataDir: string;
const clients: Client[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-gateway-embedded-");
  config = join(dir, "mcp_server_configs.json");
  dataDir = join(dir, "data");
  writeFileSync(config, JSON.stringify({ servers: [fixtureServer("echo", "echo-server.mjs")] }));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
  }
  removeTempDir(dir);
});

const embeddedArgs = (): string[] => [BIN, "mcp", "--embedded", "--config", config, "--data-dir", dataDir, "--log-level", "debug"];

/** The echo fixture's process, once the embedded daemon `pid` has started it. */
function echoPid(pid: number): Promise<number> {
  return waitFor(() => childPids(pid).find((child) => readFileSync(`/proc/${child}/cmdline`, "utf8").includes("echo-server.mjs")), {
    timeoutMs: 30_000,
    message: "the echo server to start",
  });
}

/** `pygent mcp --embedded` launched by an SDK client, as Claude Desktop would. */
async function embeddedClient(): Promise<{ client: Client; pid: number; errors: Error[] }> {
  const client = new Client({ name: "desktop", version: "1.0.0" });
  clients.push(client);
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  const transport = new StdioClientTransport({ command: process.execPath, args: embeddedArgs(), env: { ...(process.env as Record<string, string>), NO_COLOR: "1" }, stderr: "pipe" });
  await client.connect(transport);
  return { client, pid: transport.pid!, errors };
}

/**
 * The command spawned directly, an SDK client speaking the newline-delimited JSON of stdio over
 * its pipes: closing its stdin is the test's alone, and no signal follows.
 */
async function spawnWithSession(): Promise<{ child: ChildProcess; client: Client; errors: Error[]; stdout: () => string }> {
  const child = spawn(process.execPath, embeddedArgs(), { stdio: ["pipe", "pipe", "ignore"], env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const client = new Client({ name: "desktop", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(new StdioServerTransport(child.stdout!, child.stdin!));
  return { child, client, errors, stdout: () => stdout };
}

describe("pygent mcp --embedded", { timeout: 90_000 }, () => {
  it("serves the config file's servers on stdio without a daemon, and takes them down when the client closes", async () => {
    const { client, pid, errors } = await embeddedClient();
    const echo = await echoPid(pid);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(["echo__echo", "echo__add", "pygent__search_tools"]));
    const result = await client.callTool({ name: "echo__echo", arguments: { text: "from the desktop" } });
    expect(result.content).toEqual([{ type: "text", text: "from the desktop" }]);
    // Debug logs and all, nothing but MCP reached stdout.
    expect(errors).toEqual([]);

    await client.close();
    await expectAllGone([pid, echo]);
  });

  it("stops its servers and exits 0 by itself when stdin closes after a session, having written nothing but MCP to stdout", async () => {
    const { child, client, errors, stdout } = await spawnWithSession();
    const echo = await echoPid(child.pid!);
    const exited = once(child, "exit");
    expect(await client.callTool({ name: "echo__echo", arguments: { text: "once" } })).toMatchObject({ content: [{ type: "text", text: "once" }] });
    child.stdin!.end();
    expect(await exited).toEqual([0, null]);
    expect(isAlive(echo)).toBe(false);
    expect(errors).toEqual([]);
    expect(stdout()).toContain('"jsonrpc":"2.0"');
  });

  it("stops its servers at SIGTERM, a session open", async () => {
    const { child } = await spawnWithSession();
    const echo = await echoPid(child.pid!);
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    await expectAllGone([echo]);
  });

  it("refuses a data directory a running daemon holds, pointing at pygent mcp without --embedded", async () => {
    const { client } = await embeddedClient();
    const second = await runCli(embeddedArgs().slice(1));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/a PyGent daemon \(pid \d+\) already runs on the data directory .*data: connect to it with `pygent mcp` \(without --embedded\)/);
    expect(second.stdout).toBe("");
    // The first one serves on.
    expect(await client.callTool({ name: "echo__echo", arguments: { text: "still here" } })).toMatchObject({ content: [{ type: "text", text: "still here" }] });
  });
});
