/**
 * Gateway profiles from the command line against a real daemon (`pygent serve` from dist/):
 * `pygent mcp --profile` launched by an official SDK client over stdio, and the `pygent gateway
 * profiles|sessions` tables.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { BIN, runCli, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let daemon: DaemonProcess | undefined;
const clients: Client[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-gateway-profiles-cli-");
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

describe("pygent mcp --profile and pygent gateway profiles|sessions", { timeout: 90_000 }, () => {
  it("relays only the profile's subset, and lists the profile and the session in tables", async () => {
    const config = join(dir, "mcp_server_configs.json");
    writeFileSync(
      config,
      JSON.stringify({
        servers: [fixtureServer("echo", "echo-server.mjs"), fixtureServer("other", "echo-server.mjs")],
        gateway: { profiles: { small: { servers: ["echo"], tools: ["*__echo"] } } },
      }),
    );
    daemon = await startDaemon(join(dir, "data"), config);
    const running = daemon;
    await waitFor(
      async () => {
        const { body } = await running.api<{ servers: { state: string }[] }>("/api/v1/mcp/servers");
        return body.servers.length === 2 && body.servers.every((server) => server.state === "running") ? true : undefined;
      },
      { timeoutMs: 30_000, message: "both servers running" },
    );

    const client = new Client({ name: "desktop", version: "3.0.0" });
    clients.push(client);
    const env = { ...(process.env as Record<string, string>) };
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp", "--profile", "small", "--url", running.url], env, stderr: "pipe" }),
    );
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["echo__echo"]);
    expect((await client.callTool({ name: "echo__echo", arguments: { text: "small" } })).content).toEqual([{ type: "text", text: "small" }]);
    await expect(client.callTool({ name: "other__echo", arguments: { text: "no" } })).rejects.toThrow(/no tool is named "other__echo" in profile "small"/);

    const profiles = await runCli(["gateway", "profiles", "--url", running.url]);
    expect(profiles.code, profiles.stderr).toBe(0);
    expect(profiles.stdout.split("\n")).toEqual([
      expect.stringMatching(/^PROFILE\s+PATH\s+ROLE\s+TOOLS\s+SESSIONS\s+MISSING SERVERS$/),
      expect.stringMatching(/^small\s+\/mcp\/p\/small\s+viewer\s+1\s+1\s+-$/),
      "",
    ]);
    const sessions = await runCli(["gateway", "sessions", "--url", running.url]);
    expect(sessions.code, sessions.stderr).toBe(0);
    expect(sessions.stdout).toMatch(/^SESSION\s+PROFILE\s+CLIENT\s+OPENED\s+LAST ACTIVITY\s+CALLS\n/);
    expect(sessions.stdout).toMatch(/\n[0-9a-f-]{36}\s+small\s+desktop 3\.0\.0\s+\S+Z\s+\S+Z\s+2\n$/);
  });

  it("pygent validate warns of a profile's server id the file does not define, without failing", async () => {
    const config = join(dir, "mcp_server_configs.json");
    writeFileSync(config, JSON.stringify({ servers: [], gateway: { profiles: { research: { servers: ["ghost"] } } } }));
    const result = await runCli(["validate", "--config", config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('warning: gateway.profiles.research.servers: no server "ghost" is in the config file');
  });
});
