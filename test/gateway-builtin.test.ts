/**
 * The gateway's own `pygent__` tools through /mcp with official SDK clients: tool search over the
 * servers' tools, calls by name, server management guarded by the token's role, and the
 * reserved id. The app runs in this process over the real manager, `server-everything` and the
 * echo fixture; the last test runs the built daemon for the tools that use its other services.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";
import { packageBin } from "../src/config/package-bin.js";
import { validateConfigFile } from "../src/config/validate.js";
import { BIN, runCli, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let app: TestApp | undefined;
let daemon: DaemonProcess | undefined;
let dir: string | undefined;
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await app?.close();
  await daemon?.stop();
  if (dir) removeTempDir(dir);
  app = undefined;
  daemon = undefined;
  dir = undefined;
});

const EVERYTHING = {
  command: [process.execPath, packageBin("@modelcontextprotocol/server-everything"), "stdio"],
  startup_timeout: 20,
  shutdown_timeout: 2,
};

/** The app serving /mcp on a loopback port, with these servers registered and running. */
async function serve(servers: Record<string, Record<string, unknown>>): Promise<URL> {
  app = await createTestApp({ gateway: {} });
  for (const [id, config] of Object.entries(servers)) await app.manager.registerServer(id, config);
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  const started = app;
  for (const id of Object.keys(servers)) await runningOn((path) => started.manager.get(path).state, id);
  const address = started.app.server.address();
  return new URL(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp`);
}

function runningOn(stateOf: (id: string) => string | Promise<string>, id: string): Promise<true> {
  return waitFor(async () => ((await stateOf(id)) === "running" ? true : undefined), { timeoutMs: 30_000, message: `${id} running` });
}

async function connect(url: URL | string, token?: string): Promise<Client> {
  const client = new Client({ name: "builtin-test", version: "1.0.0" });
  clients.push(client);
  const requestInit = token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), requestInit));
  return client;
}

/** The JSON a built-in answered with, checked against its structured content. */
async function call<T>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  expect(result.isError, content[0]?.text).toBeFalsy();
  expect(JSON.parse(content[0]!.text)).toEqual(result.structuredContent);
  return result.structuredContent as T;
}

interface SearchAnswer {
  tools: { name: string; description?: string; inputSchema: { properties?: Record<string, unknown> }; score: number }[];
}

describe("the gateway's own tools", { timeout: 90_000 }, () => {
  it("lists them beside the servers' tools and finds a tool by what it does, with its schema", async () => {
    const url = await serve({ everything: EVERYTHING, echo: echoEntry("echo") });
    const client = await connect(url);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["everything__echo", "echo__add", "pygent__search_tools", "pygent__call_tool", "pygent__list_servers"]));

    const found = await call<SearchAnswer>(client, "pygent__search_tools", { query: "add two numbers", limit: 3 });
    expect(found.tools.map((tool) => tool.name)).toContain("everything__get-sum");
    expect(found.tools.every((tool) => !tool.name.startsWith("pygent__"))).toBe(true);
    const echo = (await call<SearchAnswer>(client, "pygent__search_tools", { query: "echo back a message" })).tools[0]!;
    expect(echo).toMatchObject({ name: "everything__echo", description: "Echoes back the input string" });
    expect(Object.keys(echo.inputSchema.properties ?? {})).toEqual(["message"]);

    const bad = await client.callTool({ name: "pygent__search_tools", arguments: { query: "", limit: 0 } });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/VALIDATION_FAILED: arguments\.query: .*\n?arguments\.limit/s);
  });

  it("searches the tools of a server added after the first search", async () => {
    const url = await serve({ echo: echoEntry("echo") });
    const client = await connect(url);
    expect((await call<SearchAnswer>(client, "pygent__search_tools", { query: "sum of two numbers" })).tools.map((tool) => tool.name)).not.toContain(
      "everything__get-sum",
    );
    await app!.manager.registerServer("everything", EVERYTHING);
    await runningOn((id) => app!.manager.get(id).state, "everything");
    const after = await call<SearchAnswer>(client, "pygent__search_tools", { query: "sum of two numbers" });
    expect(after.tools[0]!.name).toBe("everything__get-sum");
  });

  it("calls a server's tool by its gateway name and says clearly when no such tool is served", async () => {
    const url = await serve({ everything: EVERYTHING });
    const client = await connect(url);
    const result = await client.callTool({ name: "pygent__call_tool", arguments: { name: "everything__echo", arguments: { message: "via search" } } });
    expect(result).toMatchObject({ content: [{ type: "text", text: "Echo: via search" }] });
    expect(result.isError).toBeFalsy();
    const missing = await client.callTool({ name: "pygent__call_tool", arguments: { name: "ghost__echo" } });
    expect(missing.isError).toBe(true);
    expect((missing.content as { text: string }[])[0]!.text).toMatch(/^TOOL_NOT_FOUND: no tool named "ghost__echo" is served/);
    expect(app!.gateway!.status().calls).toEqual({ total: 2, failed: 1 });
  });

  it("lists the servers with their state, transport and tools, and restarts one", async () => {
    const url = await serve({ everything: EVERYTHING, echo: echoEntry("echo") });
    const client = await connect(url);
    const { servers } = await call<{ servers: Record<string, unknown>[] }>(client, "pygent__list_servers");
    expect(servers).toEqual([
      expect.objectContaining({ id: "echo", state: "running", reason: null, transport: "stdio", tools_count: 2, restarts: 0 }),
      expect.objectContaining({ id: "everything", state: "running", transport: "stdio", tools_count: expect.any(Number) }),
    ]);
    expect(servers[0]).not.toHaveProperty("config");
    const pid = app!.manager.get("echo").pid;
    await call(client, "pygent__restart_server", { server_id: "echo" });
    await waitFor(() => (app!.manager.get("echo").state === "running" && app!.manager.get("echo").pid !== pid ? true : undefined), {
      timeoutMs: 30_000,
      message: "echo running again in a new process",
    });
    const unknown = await client.callTool({ name: "pygent__restart_server", arguments: { server_id: "ghost" } });
    expect((unknown.content as { text: string }[])[0]!.text).toMatch(/^SERVER_NOT_FOUND: no MCP server has the id "ghost"/);
  });

  it("lets a viewer token list, search and look, but refuses it the tools that act, with an MCP error naming the role", async () => {
    const url = await serve({ echo: echoEntry("echo") });
    const viewer = await app!.tokens.create("looker", "viewer");
    const operator = await app!.tokens.create("runner", "operator");
    const looking = await connect(url, viewer.token);
    expect((await call<{ servers: unknown[] }>(looking, "pygent__list_servers")).servers).toHaveLength(1);
    expect((await call<SearchAnswer>(looking, "pygent__search_tools", { query: "add" })).tools[0]!.name).toBe("echo__add");
    await expect(looking.callTool({ name: "pygent__restart_server", arguments: { server_id: "echo" } })).rejects.toThrow(
      /pygent__restart_server needs the operator role; the token has the viewer role/,
    );
    await expect(looking.callTool({ name: "pygent__call_tool", arguments: { name: "echo__echo", arguments: { text: "no" } } })).rejects.toMatchObject({
      code: -32602,
      data: { code: "FORBIDDEN" },
    });
    expect(app!.manager.get("echo").restarts).toBe(0);

    const acting = await connect(url, operator.token);
    const echoed = await acting.callTool({ name: "pygent__call_tool", arguments: { name: "echo__echo", arguments: { text: "yes" } } });
    expect(echoed.content).toEqual([{ type: "text", text: "yes" }]);
    await call(acting, "pygent__restart_server", { server_id: "echo" });
  });

  it("puts the tools that act on the audit log, not the searches and looks", async () => {
    const url = await serve({ echo: echoEntry("echo") });
    const client = await connect(url);
    await call(client, "pygent__search_tools", { query: "add" });
    await call(client, "pygent__list_servers");
    await call(client, "pygent__restart_server", { server_id: "echo" });
    const response = await fetch(new URL("/api/v1/audit", url));
    const { entries } = (await response.json()) as { entries: { action: string }[] };
    expect(entries.filter((entry) => entry.action === "POST /mcp")).toHaveLength(1);
  });

  it("refuses the ids pygent and rag for a server, in the API and in the config file", async () => {
    app = await createTestApp();
    const response = await app.request({ method: "POST", url: "/api/v1/mcp/servers", payload: { ...echoEntry("pygent") } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "VALIDATION_FAILED", message: 'id: "pygent" is reserved for the gateway\'s own tools' } });
    const checked = validateConfigFile({ servers: [echoEntry("pygent")] });
    expect(checked).toEqual({ ok: false, issues: [{ field: 'servers[0] (id "pygent").id', message: '"pygent" is reserved for the gateway\'s own tools' }] });    const rag = await app.request({ method: "POST", url: "/api/v1/mcp/servers", payload: { ...echoEntry("rag") } });
    expect(rag.statusCode).toBe(400);
    expect(rag.json()).toMatchObject({ error: { message: 'id: "rag" is reserved for the Retrieval System\'s tools' } });
  });

  it("in the daemon, reports a server's health, firing alerts and the catalog to an admin, and refuses a viewer on pygent mcp what acts", async () => {
    dir = makeTempDir("pygent-gateway-builtin-");
    const data = join(dir, "data");
    const token = async (role: string) => {
      const created = await runCli(["token", "create", "--role", role, "--name", role, "--data-dir", data, "--quiet"]);
      expect(created.code, created.stderr).toBe(0);
      return created.stdout.trim();
    };
    const [admin, viewer] = [await token("admin"), await token("viewer")];
    const config = join(dir, "mcp_server_configs.json");
    writeFileSync(config, JSON.stringify({ servers: [fixtureServer("echo", "echo-server.mjs")] }));
    daemon = await startDaemon(data, config);
    const started = daemon;
    const asAdmin = { headers: { authorization: `Bearer ${admin}` } };
    await runningOn(async (id) => (await started.api<{ state: string }>(`/api/v1/mcp/servers/${id}`, asAdmin)).body.state, "echo");

    const client = await connect(`${started.url}/mcp`, admin);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["pygent__server_health", "pygent__alerts", "pygent__search_catalog", "pygent__install_server"]));
    expect(await call(client, "pygent__server_health", { server_id: "echo" })).toMatchObject({ server_id: "echo", server_state: "running" });
    expect(await call(client, "pygent__alerts")).toEqual({ alerts: [] });
    const catalog = await call<{ servers: { id: string; installed: boolean }[] }>(client, "pygent__search_catalog", { query: "filesystem" });
    expect(catalog.servers[0]).toMatchObject({ id: expect.stringContaining("filesystem"), installed: false });
    const install = await client.callTool({ name: "pygent__install_server", arguments: { server_id: "no-such-entry" } });
    expect(install.isError).toBe(true);
    expect((install.content as { text: string }[])[0]!.text).toMatch(/no-such-entry/);

    const relayed = new Client({ name: "desktop", version: "1.0.0" });
    clients.push(relayed);
    await relayed.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, "mcp", "--url", started.url],
        env: { ...(process.env as Record<string, string>), PYGENT_TOKEN: viewer },
        stderr: "pipe",
      }),
    );
    expect((await call<SearchAnswer>(relayed, "pygent__search_tools", { query: "add two numbers" })).tools[0]!.name).toBe("echo__add");
    await expect(relayed.callTool({ name: "pygent__restart_server", arguments: { server_id: "echo" } })).rejects.toThrow(/needs the operator role/);
    await expect(relayed.callTool({ name: "pygent__install_server", arguments: { server_id: "memory" } })).rejects.toThrow(/needs the admin role/);
  });
});
