/**
 * Gateway profiles and per-tool overrides end to end: the real app on loopback with the echo
 * fixture and `server-everything` over stdio, official SDK clients on /mcp and /mcp/p/<name>.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, echoEntry, type TestApp, type TestAppOptions } from "../src/api/test-support/test-app.js";
import { GatewayConfigSchema } from "../src/config/schema.js";
import { ManualClock } from "../src/core/clock.js";
import { everythingEntry } from "./helpers/fixture-servers.js";
import { HttpClients } from "./helpers/http-clients.js";
import { waitFor } from "./helpers/processes.js";

const clients = new HttpClients();
const apps: TestApp[] = [];

afterEach(async () => {
  await clients.close();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The gateway section as a config file gives it (validated, defaults filled in). */
const gatewayConfig = (section: unknown) => {
  const { profiles, tools } = GatewayConfigSchema.parse(section);
  return { profiles, tools };
};

/** The app with the echo fixture and server-everything running behind the gateway. */
async function serve(section: unknown, options: TestAppOptions = {}, ...extra: Record<string, unknown>[]): Promise<{ app: TestApp; base: URL }> {
  const app = await createTestApp({ ...options, gateway: gatewayConfig(section) });
  apps.push(app);
  for (const entry of [echoEntry("echo"), everythingEntry(), ...extra]) {
    const { id, ...config } = entry;
    await app.manager.registerServer(id as string, config);
  }
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  for (const entry of [echoEntry("echo"), everythingEntry(), ...extra]) {
    const id = entry.id as string;
    await waitFor(() => (app.manager.get(id).state === "running" ? true : undefined), { timeoutMs: 30_000, message: `${id} running` });
  }
  return { app, base: new URL(`http://127.0.0.1:${port}`) };
}

const connect = (url: URL, token?: string, name = "profile-test") => clients.connect(url, { token, name, version: "2.1.0" });

/** The servers' tools a client is served (the gateway's own pygent__ tools, which /mcp adds, left out). */
const toolNames = async (client: Client) =>
  (await client.listTools()).tools
    .map((tool) => tool.name)
    .filter((name) => !name.startsWith("pygent__"))
    .sort();

function textOf(result: { content?: unknown }): string {
  return ((result.content ?? []) as { type: string; text?: string }[]).map((block) => block.text ?? "").join("");
}

/**
 * Sessions that note each tools/list_changed they receive in `seen`, by their path. A session
 * opens its event stream (GET) after initialize, and a notification sent before that stream's
 * answer has begun would be lost: streamsOpen(n) waits for n of them.
 */
function toolListChanges(app: TestApp, base: URL) {
  const eventStreams: ServerResponse[] = [];
  app.app.server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === "GET" && request.url?.startsWith("/mcp")) eventStreams.push(response);
  });
  const seen: string[] = [];
  return {
    seen,
    async listen(path: string): Promise<Client> {
      const client = await connect(new URL(path, base));
      client.setNotificationHandler("notifications/tools/list_changed", () => void seen.push(path));
      return client;
    },
    streamsOpen: (count: number) =>
      waitFor(() => (eventStreams.length === count && eventStreams.every((stream) => stream.headersSent) ? true : undefined), {
        message: `${count} event streams open`,
      }),
  };
}

const NARROW = {
  profiles: {
    narrow: { servers: ["everything"], tools: ["everything__get-*"], exclude_tools: ["everything__get-env"] },
  },
};

describe("gateway profiles", { timeout: 90_000 }, () => {
  it("serves a profile's servers and tool globs only, and refuses calls, prompts and reads outside it", async () => {
    const { base } = await serve(NARROW);
    const client = await connect(new URL("/mcp/p/narrow", base));

    expect(client.getInstructions()).toBe('Tools and prompts of PyGent\'s profile "narrow", named <server_id>__<name>.');
    const names = await toolNames(client);
    expect(names).toContain("everything__get-sum");
    expect(names.every((name) => name.startsWith("everything__get-"))).toBe(true);
    expect(names).not.toContain("everything__get-env");
    expect(textOf(await client.callTool({ name: "everything__get-sum", arguments: { a: 2, b: 3 } }))).toContain("5");

    await expect(client.callTool({ name: "everything__echo", arguments: { message: "no" } })).rejects.toThrow(
      /no tool is named "everything__echo" in profile "narrow"/,
    );
    await expect(client.callTool({ name: "echo__echo", arguments: { text: "no" } })).rejects.toThrow(/no tool is named "echo__echo" in profile "narrow"/);
    expect((await client.listPrompts()).prompts).toEqual([]);
    await expect(client.getPrompt({ name: "echo__greet", arguments: { name: "Ada" } })).rejects.toThrow(/no prompt is named "echo__greet" in profile "narrow"/);

    const resources = (await client.listResources()).resources;
    expect(resources.length).toBeGreaterThan(0);
    expect(resources.every((resource) => resource._meta?.["pygent/server_id"] === "everything")).toBe(true);
    await expect(client.readResource({ uri: "echo://info" })).rejects.toThrow(/no server in profile "narrow" serves the resource echo:\/\/info/);

    // /mcp itself still serves everything.
    const everyTool = await toolNames(await connect(new URL("/mcp", base)));
    expect(everyTool).toEqual(expect.arrayContaining(["echo__echo", "everything__echo", "everything__get-env"]));
  });

  it("in search mode shows a client only the gateway's search and call, which find and run the profile's own tools", async () => {
    const { base } = await serve({ profiles: { lean: { mode: "search", servers: ["echo"] } } });
    const client = await connect(new URL("/mcp/p/lean", base));

    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(["pygent__call_tool", "pygent__search_tools"]);
    const found = (await client.callTool({ name: "pygent__search_tools", arguments: { query: "echo back text" } })).structuredContent as {
      tools: { name: string }[];
    };
    expect(found.tools.map((tool) => tool.name)).toContain("echo__echo");
    expect(found.tools.every((tool) => tool.name.startsWith("echo__"))).toBe(true);
    expect(textOf(await client.callTool({ name: "pygent__call_tool", arguments: { name: "echo__echo", arguments: { text: "lean" } } }))).toBe("lean");
    const outside = await client.callTool({ name: "pygent__call_tool", arguments: { name: "everything__echo", arguments: { message: "no" } } });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toMatch(/^TOOL_NOT_FOUND: no tool named "everything__echo"/);
    await expect(client.callTool({ name: "pygent__list_servers", arguments: {} })).rejects.toThrow(/no tool is named "pygent__list_servers" in profile "lean"/);
  });

  it("selects servers by tag or category", async () => {
    const { base } = await serve(
      { profiles: { team: { tags: ["team-a"] } } },
      {},
      echoEntry("tagged", { tags: ["team-a"] }),
      echoEntry("filed", { category: "team-a" }),
    );
    const client = await connect(new URL("/mcp/p/team", base));
    expect(await toolNames(client)).toEqual(["filed__add", "filed__echo", "tagged__add", "tagged__echo"]);
    expect((await client.listPrompts()).prompts.map((prompt) => prompt.name).sort()).toEqual(["filed__greet", "tagged__greet"]);
  });

  it("serves a prefix: false profile's server under its own names and routes calls and prompts to it", async () => {
    const { base } = await serve({ profiles: { conformance: { servers: ["echo"], prefix: false } } });
    const client = await connect(new URL("/mcp/p/conformance", base));
    expect(await toolNames(client)).toEqual(["add", "echo"]);
    expect(client.getInstructions()).toBe('Tools and prompts of the server "echo", under their own names (PyGent\'s profile "conformance").');
    expect(textOf(await client.callTool({ name: "echo", arguments: { text: "bare" } }))).toBe("bare");
    expect(textOf(await client.callTool({ name: "add", arguments: { a: 1, b: 2 } }))).toBe("3");
    // Names are the server's own: a prefixed one is a tool the server does not have.
    await expect(client.callTool({ name: "echo__echo", arguments: { text: "prefixed" } })).rejects.toThrow(/server "echo" has no tool named "echo__echo"/);
    expect((await client.listPrompts()).prompts.map((prompt) => prompt.name)).toEqual(["greet"]);
    const prompt = await client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
    expect(prompt.messages[0]?.content).toEqual({ type: "text", text: "Hello, Ada!" });
    expect((await client.readResource({ uri: "echo://info" })).contents[0]).toMatchObject({ text: "echo fixture resource" });
  });

  it("hides and refuses a disabled tool everywhere and shows a description override", async () => {
    const { base } = await serve({
      ...NARROW,
      profiles: { ...NARROW.profiles, echoes: { servers: ["echo"] } },
      tools: { "echo__add": { enabled: false }, "echo__echo": { description: "Says the text back." } },
    });
    for (const path of ["/mcp", "/mcp/p/echoes"]) {
      const client = await connect(new URL(path, base));
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name), path).not.toContain("echo__add");
      expect(tools.find((tool) => tool.name === "echo__echo")?.description, path).toBe("Says the text back.");
      await expect(client.callTool({ name: "echo__add", arguments: { a: 1, b: 2 } }), path).rejects.toThrow(
        /tool "echo__add" is disabled by the gateway's config \(gateway.tools\)/,
      );
      expect(textOf(await client.callTool({ name: "echo__echo", arguments: { text: "still here" } })), path).toBe("still here");
    }
  });

  it("answers an unknown profile with 404 naming it and the known ones", async () => {
    const { base } = await serve(NARROW);
    const response = await fetch(new URL("/mcp/p/wide", base), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toBe('no gateway profile is named "wide"; known: narrow');
  });

  it("keeps a session to the endpoint that opened it", async () => {
    const { base } = await serve(NARROW);
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1.0.0" } },
    };
    const opened = await fetch(new URL("/mcp/p/narrow", base), { method: "POST", headers, body: JSON.stringify(initialize) });
    expect(opened.status).toBe(200);
    const session = opened.headers.get("mcp-session-id")!;
    await opened.body?.cancel();
    const elsewhere = await fetch(new URL("/mcp", base), {
      method: "POST",
      headers: { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(elsewhere.status).toBe(404);
    expect(((await elsewhere.json()) as { error: { message: string } }).error.message).toMatch(/No MCP session of this endpoint has this id/);
  });

  it("refuses a viewer token on a profile that needs the operator role, and lets an operator in", async () => {
    const { app, base } = await serve({ profiles: { ops: { servers: ["echo"], role: "operator" }, open: { servers: ["echo"] } } });
    const viewer = await app.tokens.create("looker", "viewer");
    const operator = await app.tokens.create("runner", "operator");
    const url = new URL("/mcp/p/ops", base);

    const refused = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${viewer.token}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'The gateway profile "ops" needs the operator role; the token has the viewer role.',
    );
    await expect(connect(url, viewer.token)).rejects.toThrow();
    expect(await toolNames(await connect(new URL("/mcp/p/open", base), viewer.token))).toEqual(["echo__add", "echo__echo"]);
    expect(textOf(await (await connect(url, operator.token)).callTool({ name: "echo__echo", arguments: { text: "in" } }))).toBe("in");
  });

  it("tells a profile's sessions of a change only when their own view changed", async () => {
    const clock = new ManualClock();
    const { app, base } = await serve({ profiles: { echoes: { servers: ["echo"] } } }, { clock });
    const { listen, seen, streamsOpen } = toolListChanges(app, base);
    const [profiled, everything] = [await listen("/mcp/p/echoes"), await listen("/mcp")];
    await streamsOpen(2);

    await app.manager.stopServer("everything");
    clock.advance(100);
    await waitFor(() => (seen.includes("/mcp") ? true : undefined), { timeoutMs: 20_000, message: "list_changed on /mcp" });
    // A round trip on the profile's session gives a notification sent at the same time the time to arrive.
    await profiled.ping();
    expect(seen).toEqual(["/mcp"]);

    await app.manager.stopServer("echo");
    clock.advance(100);
    await waitFor(() => (seen.includes("/mcp/p/echoes") ? true : undefined), { timeoutMs: 20_000, message: "list_changed on the profile" });
    expect(await toolNames(profiled)).toEqual([]);
    expect(await toolNames(everything)).toEqual([]);
  });

  it("applies edited profiles and overrides at once: sessions hear of it, a removed profile's sessions end", async () => {
    const clock = new ManualClock();
    const { app, base } = await serve({ profiles: { echoes: { servers: ["echo"] }, gone: { servers: ["echo"] } } }, { clock });
    const { listen, seen, streamsOpen } = toolListChanges(app, base);
    const [profiled, everything, removed] = [await listen("/mcp/p/echoes"), await listen("/mcp"), await listen("/mcp/p/gone")];
    await streamsOpen(3);

    app.gateway!.applyConfig(
      gatewayConfig({ profiles: { echoes: { servers: ["everything"], tools: ["everything__echo"] } }, tools: { echo__add: { enabled: false } } }),
    );
    clock.advance(100);
    await waitFor(() => (seen.includes("/mcp/p/echoes") && seen.includes("/mcp") ? true : undefined), { timeoutMs: 20_000, message: "list_changed" });
    expect(await toolNames(profiled)).toEqual(["everything__echo"]);
    expect(await toolNames(everything)).not.toContain("echo__add");
    await expect(removed.listTools()).rejects.toThrow();
    expect(app.gateway!.status()).toMatchObject({ sessions: 2, profiles: [{ name: "echoes", sessions: 1 }] });
  });

  it("lists profiles and sessions with their client, profile, activity and calls", async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const { app, base } = await serve({ profiles: { echoes: { servers: ["echo"] }, ghosts: { servers: ["ghost"] } } }, { clock });
    const client = await connect(new URL("/mcp/p/echoes", base), undefined, "desk");
    clock.advance(5_000);
    await client.callTool({ name: "echo__echo", arguments: { text: "one" } });
    await expect(client.callTool({ name: "everything__echo", arguments: { message: "two" } })).rejects.toThrow();

    const response = await fetch(new URL("/api/v1/gateway", base));
    expect(response.status).toBe(200);
    const status = (await response.json()) as { profiles: unknown[]; clients: unknown[] };
    expect(status.profiles).toEqual([
      { name: "echoes", path: "/mcp/p/echoes", role: "viewer", tools: 2, sessions: 1, missing_servers: [] },
      { name: "ghosts", path: "/mcp/p/ghosts", role: "viewer", tools: 0, sessions: 0, missing_servers: ["ghost"] },
    ]);
    expect(status.clients).toEqual([
      {
        session_id: expect.any(String),
        profile: "echoes",
        client: { name: "desk", version: "2.1.0" },
        opened_at: 1_800_000_000_000,
        last_activity_at: 1_800_000_005_000,
        calls: 2,
      },
    ]);
    expect(app.gateway!.status().sessions).toBe(1);
  });
});
