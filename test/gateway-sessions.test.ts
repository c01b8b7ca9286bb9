/**
 * The gateway's sessions over HTTP, in one process: the legacy HTTP+SSE transport (/sse and
 * /messages) with the SDK's own SSE client, and the closing of idle sessions and the cap on
 * their number, on a ManualClock.
 */
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { createTestApp, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";
import { ManualClock } from "../src/core/clock.js";
import { GatewayConfigSchema } from "../src/config/schema.js";
import { closedAfterEach, listenOnLoopback, textOf } from "./helpers/gateway-apps.js";
import { waitFor } from "./helpers/processes.js";

const scope = closedAfterEach();

async function gatewayApp(clock: ManualClock, gateway: Record<string, unknown> = {}): Promise<{ app: TestApp; base: URL }> {
  const app = scope.app(await createTestApp({ clock, gateway: {}, gatewayConfig: () => GatewayConfigSchema.parse(gateway) }));
  const { id, ...config } = echoEntry("echo");
  await app.manager.registerServer(id as string, config);
  await waitFor(() => (app.manager.get("echo").state === "running" ? true : undefined), { timeoutMs: 30_000, message: "echo running" });
  return { app, base: await listenOnLoopback(app) };
}

function headersWith(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function connectSse(base: URL, token?: string): Promise<Client> {
  const client = new Client({ name: "legacy-sse-test", version: "1.0.0" });
  scope.client(client);
  const headers = headersWith(token);
  await client.connect(
    new SSEClientTransport(new URL("/sse", base), {
      requestInit: { headers },
      eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    }),
  );
  return client;
}

/** A raw initialize on /mcp: a session with no event stream open, as a client that went away leaves it. */
async function initialize(base: URL): Promise<{ status: number; session: string | null; body: Record<string, unknown> }> {
  const response = await fetch(new URL("/mcp", base), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  const text = await response.text();
  const json = text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
  return { status: response.status, session: response.headers.get("mcp-session-id"), body: JSON.parse(json) as Record<string, unknown> };
}

/** A tools/list in a session, by its id. */
async function listIn(base: URL, session: string): Promise<number> {
  const response = await fetch(new URL("/mcp", base), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/list" }),
  });
  await response.body?.cancel();
  return response.status;
}

describe("gateway sessions", { timeout: 60_000 }, () => {
  it("serves an older client over the legacy /sse and /messages pair: lists, calls, and holds a session", async () => {
    const { app, base } = await gatewayApp(new ManualClock());
    const client = await connectSse(base);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["echo__echo", "echo__add"]));
    expect(textOf(await client.callTool({ name: "echo__add", arguments: { a: 20, b: 22 } }))).toBe("42");
    expect(app.gateway!.status().sessions).toBe(1);

    const unknown = await fetch(new URL("/messages?sessionId=nope", base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");

    const foreign = await fetch(new URL("/sse", base), { headers: { origin: "http://evil.example" } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("ORIGIN_NOT_ALLOWED");

    await client.close();
    await waitFor(() => (app.gateway!.status().sessions === 0 ? true : undefined), { timeoutMs: 10_000, message: "session closed with its stream" });
  });

  it("asks the legacy transport for the same tokens and roles as /mcp: a viewer lists and searches but does not call or act", async () => {
    const { app, base } = await gatewayApp(new ManualClock());
    const viewer = await app.tokens.create("looker", "viewer");
    const operator = await app.tokens.create("runner", "operator");

    expect((await fetch(new URL("/sse", base))).status).toBe(401);
    const looking = await connectSse(base, viewer.token);
    expect((await looking.listTools()).tools.map((tool) => tool.name)).toContain("echo__echo");
    await expect(looking.callTool({ name: "echo__echo", arguments: { text: "no" } })).rejects.toThrow(/403|operator/);
    expect((await looking.callTool({ name: "pygent__search_tools", arguments: { query: "echo" } })).isError).not.toBe(true);
    await expect(looking.callTool({ name: "pygent__call_tool", arguments: { name: "echo__echo", arguments: { text: "no" } } })).rejects.toThrow(/operator role/);

    const calling = await connectSse(base, operator.token);
    expect(textOf(await calling.callTool({ name: "echo__echo", arguments: { text: "yes" } }))).toBe("yes");
  });

  it("closes sessions idle past session_idle_timeout, and keeps one whose client holds its event stream", async () => {
    const clock = new ManualClock();
    const { app, base } = await gatewayApp(clock, { session_idle_timeout: 60 });
    const idle = await initialize(base);
    expect(idle.status).toBe(200);
    const connected = new Client({ name: "held", version: "1.0.0" });
    scope.client(connected);
    await connected.connect(new StreamableHTTPClientTransport(new URL("/mcp", base)));
    await waitFor(() => (app.gateway!.status().sessions === 2 ? true : undefined), { timeoutMs: 10_000, message: "two sessions" });

    clock.advance(59_000);
    expect(await listIn(base, idle.session!)).toBe(200);
    // Used at 59 s: idle from then on, closed at a sweep after 119 s.
    clock.advance(61_000 + 60_000);
    await waitFor(() => (app.gateway!.status().sessions === 1 ? true : undefined), { timeoutMs: 10_000, message: "idle session closed" });
    expect(await listIn(base, idle.session!)).toBe(404);
    expect((await connected.listTools()).tools.map((tool) => tool.name)).toContain("echo__echo");
  });

  it("refuses an initialize past max_sessions with a JSON-RPC error, and makes room by closing idle ones", async () => {
    const clock = new ManualClock();
    const { app, base } = await gatewayApp(clock, { session_idle_timeout: 600, max_sessions: 2 });
    expect((await initialize(base)).status).toBe(200);
    const kept = await initialize(base);
    expect(kept.status).toBe(200);

    const refused = await initialize(base);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      jsonrpc: "2.0",
      id: 7,
      error: { code: -32000, data: { code: "GATEWAY_SESSION_LIMIT", max_sessions: 2 } },
    });
    expect((refused.body.error as { message: string }).message).toMatch(/2 MCP sessions open, its limit \(gateway\.max_sessions\)/);
    expect((await fetch(new URL("/sse", base))).status).toBe(503);

    clock.advance(300_000);
    expect(await listIn(base, kept.session!)).toBe(200);
    clock.advance(300_000);
    // The first session is idle past the timeout, the second is not: one place frees.
    expect((await initialize(base)).status).toBe(200);
    expect(await listIn(base, kept.session!)).toBe(200);
    expect((await initialize(base)).status).toBe(503);
    expect(app.gateway!.status().sessions).toBe(2);
  });
});
