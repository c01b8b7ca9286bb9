import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { afterEach, describe, expect, it } from "vitest";
import { McpHttpTransport } from "./mcp-http-transport.js";

type JsonRpcError = { error: { message: string } };

const ACCEPT = "application/json, text/event-stream";

let http: Server | undefined;

afterEach(async () => {
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  http = undefined;
});

/** The transport on a real HTTP server; `answer` plays the MCP server behind it. */
async function serve(transport: McpHttpTransport, answer: (message: Record<string, unknown>) => void): Promise<string> {
  transport.onmessage = (message) => answer(message as unknown as Record<string, unknown>);
  http = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => void transport.handleRequest(request, response, body ? JSON.parse(body) : undefined));
  });
  await new Promise<void>((resolve) => http!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT, ...headers }, body: JSON.stringify(body) });

const request = (id: number, method: string) => ({ jsonrpc: "2.0", id, method, params: {} });
const result = (id: unknown, value: unknown) => ({ jsonrpc: "2.0", id, result: value }) as unknown as JSONRPCMessage;

describe("the gateway's Streamable HTTP transport", () => {
  it("answers a request as one JSON body when nothing comes before the answer", async () => {
    const transport = new McpHttpTransport();
    const url = await serve(transport, (message) => void transport.send(result(message.id, { echoed: message.method })));

    const response = await post(url, request(7, "tools/list"));

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ jsonrpc: "2.0", id: 7, result: { echoed: "tools/list" } });
  });

  it("turns the answer into an event stream when a related message comes first, and ends it with the answer", async () => {
    const transport = new McpHttpTransport();
    const url = await serve(transport, (message) => {
      const progress = { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "t", progress: 1 } } as unknown as JSONRPCMessage;
      void transport.send(progress, { relatedRequestId: message.id as number }).then(() => transport.send(result(message.id, { done: true })));
    });

    const response = await post(url, request(3, "tools/call"));

    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = (await response.text()).split("\n\n").filter(Boolean);
    expect(events.map((event) => JSON.parse(event.replace(/^event: message\ndata: /, "")))).toEqual([
      { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "t", progress: 1 } },
      { jsonrpc: "2.0", id: 3, result: { done: true } },
    ]);
  });

  it("answers a batch with every answer, in the order of the requests", async () => {
    const transport = new McpHttpTransport();
    const held: Record<string, unknown>[] = [];
    const url = await serve(transport, (message) => {
      held.push(message);
      if (held.length === 2) for (const one of [...held].reverse()) void transport.send(result(one.id, one.method));
    });

    const response = await post(url, [request(1, "tools/list"), request(2, "prompts/list")]);

    expect(await response.json()).toEqual([result(1, "tools/list"), result(2, "prompts/list")]);
  });

  it("opens a session at initialize and refuses requests without it or with another", async () => {
    const transport = new McpHttpTransport({ sessionIdGenerator: () => "session-1" });
    const url = await serve(transport, (message) => {
      if ("id" in message) void transport.send(result(message.id, {}));
    });

    const before = await post(url, request(1, "tools/list"));
    expect(before.status).toBe(400);
    expect(((await before.json()) as JsonRpcError).error.message).toMatch(/not initialized/);

    const opened = await post(url, request(1, "initialize"));
    expect(opened.headers.get("mcp-session-id")).toBe("session-1");
    await opened.json();

    expect((await post(url, request(2, "tools/list"))).status).toBe(400);
    expect((await post(url, request(2, "tools/list"), { "mcp-session-id": "other" })).status).toBe(404);
    expect((await post(url, request(2, "tools/list"), { "mcp-session-id": "session-1" })).status).toBe(200);
    expect((await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": "session-1" })).status).toBe(202);
  });

  it("refuses what the spec refuses: a missing Accept type, another content type, no JSON-RPC", async () => {
    const transport = new McpHttpTransport({ sessionIdGenerator: () => "s" });
    const url = await serve(transport, () => undefined);

    const notAccepted = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: "{}" });
    expect(notAccepted.status).toBe(406);
    expect((await post(url, request(1, "ping"), { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(url, { hello: "world" })).status).toBe(400);
  });

  it("refuses an unknown protocol version", async () => {
    const transport = new McpHttpTransport();
    transport.setSupportedProtocolVersions(["2025-11-25"]);
    const url = await serve(transport, () => undefined);

    const refused = await post(url, request(1, "ping"), { "mcp-protocol-version": "1999-01-01" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as JsonRpcError).error.message).toMatch(/Unsupported protocol version: 1999-01-01/);
  });

  it("sends notifications on the session's one event stream and ends the session at DELETE", async () => {
    let closed = 0;
    const transport = new McpHttpTransport({ sessionIdGenerator: () => "s", onsessionclosed: () => (closed += 1) });
    const url = await serve(transport, (message) => void transport.send(result(message.id, {})));
    await (await post(url, request(1, "initialize"))).json();
    const session = { "mcp-session-id": "s" };

    const stream = await fetch(url, { headers: { accept: "text/event-stream", ...session } });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    expect((await fetch(url, { headers: { accept: "text/event-stream", ...session } })).status).toBe(409);
    const reader = stream.body!.getReader();
    await transport.send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" } as unknown as JSONRPCMessage);
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('"notifications/tools/list_changed"');

    expect((await fetch(url, { method: "DELETE", headers: session })).status).toBe(200);
    expect(closed).toBe(1);
    expect((await reader.read()).done).toBe(true);
    expect((await post(url, request(2, "tools/list"), session)).status).toBe(404);
  });
});
