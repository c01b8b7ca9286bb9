/**
 * The MCP gateway end to end inside one process: the real app listening on loopback, the real
 * manager running the echo fixture and `server-everything` over stdio, and official SDK clients
 * over Streamable HTTP on /mcp.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Client } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES } from "../src/api/app.js";
import { createTestApp, echoEntry, type TestApp, type TestAppOptions } from "../src/api/test-support/test-app.js";
import { ManualClock } from "../src/core/clock.js";
import { everythingEntry, fixtureServer } from "./helpers/fixture-servers.js";
import { HttpClients } from "./helpers/http-clients.js";
import { waitFor } from "./helpers/processes.js";

let current: TestApp | undefined;
const clients = new HttpClients();

afterEach(async () => {
  await clients.close();
  await current?.close();
  current = undefined;
});

async function gatewayApp(...entries: Record<string, unknown>[]): Promise<{ app: TestApp; url: URL }> {
  return gatewayAppWith({}, ...entries);
}

async function gatewayAppWith(options: TestAppOptions, ...entries: Record<string, unknown>[]): Promise<{ app: TestApp; url: URL }> {
  const app = await createTestApp({ ...options, gateway: {} });
  current = app;
  for (const entry of entries) {
    const { id, ...config } = entry;
    await app.manager.registerServer(id as string, config);
  }
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, url: new URL(`http://127.0.0.1:${port}/mcp`) };
}

function connect(url: URL, token?: string): Promise<Client> {
  return clients.connect(url, { token });
}

function running(app: TestApp, id: string) {
  return waitFor(() => (app.manager.get(id).state === "running" ? true : undefined), { timeoutMs: 30_000, message: `${id} running` });
}

/** A raw POST (node:http, so that any Host header can be sent); resolves with the status and the error code. */
function post(url: URL, body: string, headers: Record<string, string> = {}): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers } },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => {
          const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          resolve({ status: response.statusCode ?? 0, code });
        });
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

function textOf(result: { content?: unknown }): string {
  return ((result.content ?? []) as { type: string; text?: string }[]).map((block) => block.text ?? "").join("");
}

describe("MCP gateway", { timeout: 60_000 }, () => {
  it("lists every running server's tools under <server>__<tool>, calls one, reads a resource, gets a prompt", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"), everythingEntry());
    await running(app, "echo");
    await running(app, "everything");
    const client = await connect(url);

    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["echo__echo", "echo__add", "everything__echo"]));
    expect(textOf(await client.callTool({ name: "everything__echo", arguments: { message: "through the gateway" } }))).toBe(
      "Echo: through the gateway",
    );
    expect(textOf(await client.callTool({ name: "echo__add", arguments: { a: 2, b: 3 } }))).toBe("5");

    const resources = (await client.listResources()).resources;
    expect(resources.find((resource) => resource.uri === "echo://info")?._meta).toEqual({ "pygent/server_id": "echo" });
    const read = await client.readResource({ uri: "echo://info" });
    expect(read.contents[0]).toMatchObject({ uri: "echo://info", text: "echo fixture resource" });

    const templates = (await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toContain("demo://resource/dynamic/text/{resourceId}");
    const templated = await client.readResource({ uri: "demo://resource/dynamic/text/7" });
    expect(templated.contents[0]).toMatchObject({ uri: "demo://resource/dynamic/text/7" });
    expect((templated.contents[0] as { text: string }).text).toContain("Resource 7");

    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
    expect(prompts).toEqual(expect.arrayContaining(["echo__greet", "everything__simple-prompt"]));
    const prompt = await client.getPrompt({ name: "echo__greet", arguments: { name: "Ada" } });
    expect(prompt.messages[0]?.content).toEqual({ type: "text", text: "Hello, Ada!" });
  });

  it("answers an upstream failure with an MCP error naming the server, and never hangs", async () => {
    const { app, url } = await gatewayApp(fixtureServer("slow", "slow-server.mjs", { request_timeout: 1 }));
    await running(app, "slow");
    const client = await connect(url);
    await expect(client.callTool({ name: "slow__sleep", arguments: { ms: 20_000 } })).rejects.toThrow(/server "slow" did not answer sleep within 1 s/);
    await expect(client.getPrompt({ name: "slow__greet", arguments: {} })).rejects.toThrow(/server "slow" failed to answer prompts\/get greet/);
    await expect(client.callTool({ name: "slow__nope", arguments: {} })).rejects.toThrow(/server "slow" has no tool named "nope"/);
    await expect(client.callTool({ name: "ghost__echo", arguments: {} })).rejects.toThrow(/no tool is named "ghost__echo"/);
    expect(app.gateway!.status().calls).toEqual({ total: 3, failed: 3 });
  });

  it("says clearly that a stopped server is not running", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"));
    await running(app, "echo");
    const client = await connect(url);
    await app.manager.stopServer("echo");
    await expect(client.callTool({ name: "echo__echo", arguments: { text: "hi" } })).rejects.toThrow(
      /server "echo" is stopped, not running; start it to use echo__echo/,
    );
    await expect(client.readResource({ uri: "echo://info" })).rejects.toThrow(/no running server serves the resource echo:\/\/info/);
    expect((await client.listTools()).tools.map((tool) => tool.name).filter((name) => name.startsWith("echo__"))).toEqual([]);
  });

  it("tells connected clients when a server is added and when one stops", async () => {
    // The gateway gathers changes for 100 ms of this clock before telling clients: the test moves it.
    const clock = new ManualClock();
    const { app, url } = await gatewayAppWith({ clock }, echoEntry("echo"));
    await running(app, "echo");
    // The client opens its event stream (GET /mcp) after initialize; a notification sent before
    // the stream's answer has begun would be lost, so the test waits for that answer.
    const eventStreams: ServerResponse[] = [];
    app.app.server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      if (request.method === "GET" && request.url === "/mcp") eventStreams.push(response);
    });
    const client = await connect(url);
    const seen: string[] = [];
    client.setNotificationHandler("notifications/tools/list_changed", () => void seen.push("tools"));
    client.setNotificationHandler("notifications/prompts/list_changed", () => void seen.push("prompts"));
    await waitFor(() => (eventStreams[0]?.headersSent ? true : undefined), { message: "the event stream open" });
    // The client listed after "echo" was up: nothing has changed for it yet. A round trip gives
    // a notification sent at the advance the time to arrive first.
    clock.advance(100);
    await client.ping();
    expect(seen).toEqual([]);

    await app.manager.registerServer("second", echoEntry("second"));
    await running(app, "second");
    clock.advance(100);
    await waitFor(() => (seen.includes("tools") && seen.includes("prompts") ? true : undefined), { timeoutMs: 20_000, message: "list_changed after a start" });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("second__echo");

    seen.length = 0;
    await app.manager.stopServer("second");
    clock.advance(100);
    await waitFor(() => (seen.includes("tools") ? true : undefined), { timeoutMs: 20_000, message: "list_changed after a stop" });
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain("second__echo");
  });

  it("puts a tool call on the audit log, not the lists and reads around it", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"));
    await running(app, "echo");
    const client = await connect(url);
    await client.listTools();
    await client.callTool({ name: "echo__echo", arguments: { text: "on record" } });
    const mcpEntries = async () => {
      const response = await fetch(new URL("/api/v1/audit", url));
      expect(response.status).toBe(200);
      const { entries } = (await response.json()) as { entries: { action: string; ok: boolean; details: unknown }[] };
      return entries.filter((entry) => entry.action === "POST /mcp");
    };
    const entries = await mcpEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ ok: true });
    // The arguments are kept by name only.
    expect(JSON.stringify(entries[0]!.details)).not.toContain("on record");
  });

  it("keeps two clients' answers apart with 16 calls in flight each", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"));
    await running(app, "echo");
    const [first, second] = await Promise.all([connect(url), connect(url)]);
    const calls = (client: Client, who: string) =>
      Array.from({ length: 16 }, (_, index) =>
        client.callTool({ name: "echo__echo", arguments: { text: `${who}-${index}` } }).then((result) => [`${who}-${index}`, textOf(result)]),
      );
    const answers = await Promise.all([...calls(first!, "first"), ...calls(second!, "second")]);
    for (const [asked, answered] of answers) expect(answered).toBe(asked);
    expect(app.gateway!.status()).toMatchObject({ sessions: 2, calls: { total: 32, failed: 0 }, server_calls: [{ server_id: "echo", total: 32, failed: 0 }] });
  });

  it("answers a POST without a session statelessly", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"));
    await running(app, "echo");
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo__echo", arguments: { text: "once" } } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    const body = (await response.json()) as { id: number; result: { content: { text: string }[] } };
    expect(body).toMatchObject({ id: 1, result: { content: [{ type: "text", text: "once" }] } });
    expect(app.gateway!.status().sessions).toBe(0);
  });

  it("answers a batch with one answer each, the tools list given twice the same, in a body of the length it says", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"));
    await running(app, "echo");
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { jsonrpc: "2.0", id: "two", method: "ping" },
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
    ];
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-03-26" },
      body: JSON.stringify(batch),
    });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get("content-length"))).toBe(bytes.length);
    const answers = JSON.parse(bytes.toString("utf8")) as { id: unknown; result: { tools?: { name: string }[] } }[];
    expect(answers.map((answer) => answer.id)).toEqual([1, "two", 3]);
    expect(answers[0]!.result.tools!.map((tool) => tool.name)).toContain("echo__echo");
    expect(answers[2]!.result).toEqual(answers[0]!.result);
    expect(answers[1]!.result).toEqual({});
  });

  it("asks for a token once auth is on, lets a viewer list but not call, and an operator call", async () => {
    const { app, url } = await gatewayApp(echoEntry("echo"));
    await running(app, "echo");
    const viewer = await app.tokens.create("looker", "viewer");
    const operator = await app.tokens.create("runner", "operator");

    const anonymous = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(anonymous.status).toBe(401);
    await expect(connect(url)).rejects.toThrow();

    const looking = await connect(url, viewer.token);
    expect((await looking.listTools()).tools.map((tool) => tool.name)).toContain("echo__echo");
    await expect(looking.callTool({ name: "echo__echo", arguments: { text: "no" } })).rejects.toThrow(/operator role/);

    const calling = await connect(url, operator.token);
    expect(textOf(await calling.callTool({ name: "echo__echo", arguments: { text: "yes" } }))).toBe("yes");
  });

  it("refuses a Host header that does not name the daemon, a foreign Origin and a body over the limit", async () => {
    const { url } = await gatewayApp();
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(await post(url, list, { host: "evil.example" })).toMatchObject({ status: 403, code: "HOST_NOT_ALLOWED" });
    expect(await post(url, list, { origin: "http://evil.example" })).toMatchObject({ status: 403, code: "ORIGIN_NOT_ALLOWED" });
    const huge = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(BODY_LIMIT_BYTES) } });
    expect(await post(url, huge)).toMatchObject({ status: 413, code: "BODY_TOO_LARGE" });
  });
});
