/**
 * `pygent mcp` and `pygent gateway status` against a real daemon (`pygent serve` from dist/):
 * an official SDK client launches `pygent mcp` over stdio, as Claude Desktop would, and reaches
 * the daemon's servers through it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { BIN, runCli, runNode, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { freePort } from "./helpers/network.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";
import { parsePrometheusText, sampleValue } from "./helpers/prometheus-text.js";

let dir: string;
let daemon: DaemonProcess | undefined;
const clients: Client[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-gateway-cli-");
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

/** A daemon running the echo fixture; `token` to ask it once auth is on. */
function serveEcho(token?: string): Promise<DaemonProcess> {
  return serveFixture(fixtureServer("echo", "echo-server.mjs"), token);
}

/** A daemon running one fixture server, `entry`. */
async function serveFixture(entry: Record<string, unknown>, token?: string): Promise<DaemonProcess> {
  const config = join(dir, "mcp_server_configs.json");
  writeFileSync(config, JSON.stringify({ servers: [entry] }));
  daemon = await startDaemon(join(dir, "data"), config);
  const started = daemon;
  await waitFor(
    async () => {
      const headers = token ? { authorization: `Bearer ${token}` } : undefined;
      const { body } = await started.api<{ servers: { state: string }[] }>("/api/v1/mcp/servers", headers ? { headers } : {});
      return body.servers[0]?.state === "running" ? true : undefined;
    },
    { timeoutMs: 30_000, message: "echo running" },
  );
  return started;
}

async function relayClient(
  url: string,
  env: Record<string, string> = {},
  capabilities: NonNullable<ConstructorParameters<typeof Client>[1]>["capabilities"] = {},
): Promise<Client> {
  const client = new Client({ name: "desktop", version: "1.0.0" }, { capabilities });
  clients.push(client);
  const environment = { ...(process.env as Record<string, string>), ...env };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp", "--url", url], env: environment, stderr: "pipe" }));
  return client;
}

describe("pygent mcp", { timeout: 90_000 }, () => {
  it("serves the daemon's servers on stdio: lists and calls through the relay, and gateway status counts it", async () => {
    const running = await serveEcho();
    const client = await relayClient(running.url);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(["echo__echo", "echo__add"]));
    const result = await client.callTool({ name: "echo__echo", arguments: { text: "from the desktop" } });
    expect(result.content).toEqual([{ type: "text", text: "from the desktop" }]);
    await expect(client.callTool({ name: "echo__missing", arguments: {} })).rejects.toThrow(/server "echo" has no tool named "missing"/);

    const status = await runCli(["gateway", "status", "--json", "--url", running.url]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ path: "/mcp", separator: "__", sessions: 1, servers: 1, tools: 2, calls: { total: 2, failed: 1 } });
    // The call is counted once, as the relay's.
    const metrics = parsePrometheusText(await (await fetch(new URL("/metrics", running.url))).text());
    const calls = (via: string) => sampleValue(metrics, "pygent_tool_call_duration_seconds_count", { server_id: "echo", tool: "echo", via });
    expect([calls("relay"), calls("gateway")]).toEqual([1, undefined]);

    // A session with its event stream open does not hold up the daemon's shutdown.
    expect(await running.stop()).toBe(0);
  });

  it("sends the token from PYGENT_TOKEN once auth is on, and says why when it is missing", async () => {
    const token = await runCli(["token", "create", "--role", "operator", "--name", "desktop", "--data-dir", join(dir, "data"), "--quiet"]);
    expect(token.code, token.stderr).toBe(0);
    const running = await serveEcho(token.stdout.trim());
    const client = await relayClient(running.url, { PYGENT_TOKEN: token.stdout.trim() });
    expect(await client.callTool({ name: "echo__echo", arguments: { text: "with a token" } })).toMatchObject({
      content: [{ type: "text", text: "with a token" }],
    });
    await expect(relayClient(running.url, { PYGENT_TOKEN: "" })).rejects.toThrow(/PyGent daemon at .*UNAUTHORIZED/);
  });

  it("passes the server's progress, the client's cancel and the server's sampling through the relay", async () => {
    const running = await serveFixture(fixtureServer("pt", "passthrough-server.mjs"));
    const client = await relayClient(running.url, {}, { sampling: {} });
    client.setRequestHandler("sampling/createMessage", async (request) => ({
      model: "desktop-model",
      role: "assistant",
      content: { type: "text", text: `desktop read "${(request.params.messages[0]?.content as { text?: string }).text}"` },
    }));
    // The desktop client cancels on the first progress; the server sees the cancel.
    const cancel = new AbortController();
    const waiting = client.callTool({ name: "pt__wait_for_cancel", arguments: {} }, { signal: cancel.signal, onprogress: () => cancel.abort("enough") });
    await expect(waiting).rejects.toThrow(/enough/);
    await waitFor(
      async () => {
        const { body } = await running.api<{ lines: { line: string }[] }>("/api/v1/mcp/servers/pt/logs");
        return body.lines.some(({ line }) => /^aborted \d+$/.test(line)) ? true : undefined;
      },
      { timeoutMs: 20_000, message: "the server to see the cancel" },
    );
    const sampled = await client.callTool({ name: "pt__ask_sampling", arguments: { who: "desk" } });
    expect(sampled.content).toEqual([{ type: "text", text: 'desk got: desktop read "sample for desk"' }]);
  });

  it("answers every message piped in before stdin closed, in the session its initialize opened, then exits", async () => {
    const running = await serveEcho();
    const lines = [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "script", version: "1" } } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo__echo", arguments: { text: "piped" } } },
    ].map((message) => JSON.stringify(message));
    const run = await runNode([BIN, "mcp", "--url", running.url], { input: `${lines.join("\n")}\nnot json\n`, timeoutMs: 60_000 });

    expect(run.code, run.stderr).toBe(0);
    const answers = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { id: number | null; result?: { content: unknown }; error?: { code: number } });
    expect(answers.find((answer) => answer.id === 1)?.result).toBeDefined();
    expect(answers.find((answer) => answer.id === 2)?.result?.content).toEqual([{ type: "text", text: "piped" }]);
    expect(answers.find((answer) => answer.id === null)?.error?.code).toBe(-32700);
    expect(run.stderr).toContain("a line on stdin is not JSON");
    // The call went in the session initialize opened, which ended with the relay.
    const status = JSON.parse((await runCli(["gateway", "status", "--json", "--url", running.url])).stdout) as { sessions: number; clients: unknown[] };
    expect(status.sessions).toBe(0);
  });

  it("passes on what the daemon says unasked: a stopped server's tools leave the list with a list_changed", async () => {
    const running = await serveEcho();
    const client = await relayClient(running.url);
    const seen: string[] = [];
    client.setNotificationHandler("notifications/tools/list_changed", () => void seen.push("tools"));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo__echo");
    // The relay opens its event stream once the session is initialized; give it the time to.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await running.api("/api/v1/mcp/servers/echo/stop", { method: "POST" })).status).toBe(200);
    await waitFor(() => (seen.includes("tools") ? true : undefined), { timeoutMs: 20_000, message: "list_changed through the relay" });
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain("echo__echo");
  });

  it("answers with an error naming the daemon when it cannot be reached, instead of hanging", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(relayClient(url)).rejects.toThrow(/PyGent daemon at http:\/\/127\.0\.0\.1:\d+\/mcp/);
  });
});
