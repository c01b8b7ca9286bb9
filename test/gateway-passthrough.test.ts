/**
 * What a call carries through the gateway besides its arguments, end to end in one process: the
 * real app on loopback, the real manager running the passthrough fixture over stdio, and official
 * SDK clients on /mcp. Progress comes back under the client's token, a cancel reaches the server,
 * the server's sampling and elicitation go to the client that made the call (or are refused
 * saying why), a malformed result comes back as an MCP error naming the server and what is wrong
 * with it, and each call is counted once, with its caller, in the /metrics histogram.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/api/test-support/test-app.js";
import type { ToolCalledEvent } from "../src/bus/index.js";
import { createPrometheusMetrics } from "../src/health/index.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { waitFor } from "./helpers/processes.js";
import { parsePrometheusText, sampleValue } from "./helpers/prometheus-text.js";

let current: TestApp | undefined;
const clients: Client[] = [];
const stoppers: { stop(): void }[] = [];

afterEach(async () => {
  for (const stopper of stoppers.splice(0)) stopper.stop();
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await current?.close();
  current = undefined;
});

async function gatewayApp(...ids: string[]): Promise<{ app: TestApp; url: URL }> {
  return gatewayAppWith({ request_timeout: 60 }, ...ids);
}

async function gatewayAppWith(extra: Record<string, unknown>, ...ids: string[]): Promise<{ app: TestApp; url: URL }> {
  return gatewayAppOf("passthrough-server.mjs", extra, ...ids);
}

async function gatewayAppOf(fixture: string, extra: Record<string, unknown>, ...ids: string[]): Promise<{ app: TestApp; url: URL }> {
  const app = await createTestApp({ gateway: {} });
  current = app;
  for (const id of ids) {
    const { id: _id, ...config } = fixtureServer(id, fixture, extra);
    await app.manager.registerServer(id, config);
  }
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  for (const id of ids) {
    await waitFor(() => (app.manager.get(id).state === "running" ? true : undefined), { timeoutMs: 30_000, message: `${id} running` });
  }
  return { app, url: new URL(`http://127.0.0.1:${port}/mcp`) };
}

type Capabilities = ConstructorParameters<typeof Client>[1] extends infer O ? (O extends { capabilities?: infer C } ? C : never) : never;

async function connect(url: URL, capabilities: Capabilities = {}): Promise<Client> {
  const client = new Client({ name: "passthrough-test", version: "1.0.0" }, { capabilities });
  clients.push(client);
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

function textOf(result: { content?: unknown }): string {
  return ((result.content ?? []) as { type: string; text?: string }[]).map((block) => block.text ?? "").join("");
}

/** The text of the sampling request's first message. */
function askedText(request: { params: { messages: { content: unknown }[] } }): string {
  const content = request.params.messages[0]?.content as { text?: string } | undefined;
  return content?.text ?? "";
}

/** A tool call through the REST API. */
function restCall(url: URL, serverId: string, tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(new URL(`/api/v1/mcp/servers/${serverId}/tools/${tool}/call`, url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ arguments: args }),
    ...(signal ? { signal } : {}),
  });
}

function logged(app: TestApp, id: string, pattern: RegExp): Promise<string> {
  return waitFor(() => app.manager.logs(id).find((line) => pattern.test(line.line))?.line, { timeoutMs: 20_000, message: `${pattern} in ${id}'s log` });
}

describe("gateway passthrough", { timeout: 60_000 }, () => {
  it("forwards the server's progress to the client under the client's own token", async () => {
    const { url } = await gatewayApp("pt");
    const client = await connect(url);
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const result = await client.callTool({ name: "pt__count_progress", arguments: { steps: 3 } }, { onprogress: (progress) => seen.push(progress) });
    expect(textOf(result)).toBe("counted 3");
    // The SDK calls onprogress only for a notification under the token it sent.
    expect(seen).toEqual([
      { progress: 1, total: 3, message: "step 1" },
      { progress: 2, total: 3, message: "step 2" },
      { progress: 3, total: 3, message: "step 3" },
    ]);
  });

  it("cancels the call on the server when the client cancels it, and keeps serving", async () => {
    const { app, url } = await gatewayApp("pt");
    const calls: ToolCalledEvent[] = [];
    const off = app.bus.subscribe("tool_called", (event) => calls.push(event));
    stoppers.push({ stop: off });
    const client = await connect(url);
    const cancel = new AbortController();
    const call = client.callTool({ name: "pt__wait_for_cancel", arguments: {} }, { signal: cancel.signal, onprogress: () => cancel.abort("changed my mind") });
    await expect(call).rejects.toThrow(/changed my mind/);
    await logged(app, "pt", /^aborted \d+$/);

    expect(textOf(await client.callTool({ name: "pt__echo", arguments: { text: "still here" } }))).toBe("still here");
    await waitFor(() => (calls.length === 2 ? true : undefined), { timeoutMs: 10_000, message: "two tool_called events" });
    expect(calls.map((event) => [event.tool, event.outcome])).toEqual([
      ["wait_for_cancel", "cancelled"],
      ["echo", "ok"],
    ]);
  });

  it("cancels the call on the server when a REST client hangs up", async () => {
    const { app, url } = await gatewayApp("pt");
    const hangUp = new AbortController();
    const call = restCall(url, "pt", "wait_for_cancel", {}, hangUp.signal);
    call.catch(() => undefined);
    await logged(app, "pt", /^waiting \d+$/);
    hangUp.abort();
    await logged(app, "pt", /^aborted \d+$/);
  });

  it("forwards the server's sampling and elicitation to a client that declared them", async () => {
    const { url } = await gatewayApp("pt");
    const client = await connect(url, { sampling: {}, elicitation: { form: {} } });
    client.setRequestHandler("sampling/createMessage", async (request) => ({
      model: "test-model",
      role: "assistant",
      content: { type: "text", text: `reply to "${askedText(request)}"` },
    }));
    client.setRequestHandler("elicitation/create", async (request) => ({
      action: "accept",
      content: { name: `Ada (asked: ${request.params.message})` },
    }));
    expect(textOf(await client.callTool({ name: "pt__ask_sampling", arguments: { who: "me" } }))).toBe('me got: reply to "sample for me"');
    expect(textOf(await client.callTool({ name: "pt__ask_elicitation", arguments: { who: "me" } }))).toBe("accept: Ada (asked: name for me)");
  });

  it("withdraws a forwarded sampling request from the client when the call it belongs to times out", async () => {
    const { url } = await gatewayAppWith({ request_timeout: 1 }, "pt");
    const client = await connect(url, { sampling: {} });
    let withdrawn = false;
    client.setRequestHandler("sampling/createMessage", async (_request, ctx) => {
      await new Promise((resolve) => ctx.mcpReq.signal.addEventListener("abort", resolve, { once: true }));
      withdrawn = true;
      return { model: "test-model", role: "assistant", content: { type: "text", text: "too late" } };
    });
    await expect(client.callTool({ name: "pt__ask_sampling", arguments: { who: "me" } })).rejects.toThrow(/server "pt" did not answer ask_sampling within 1 s/);
    await waitFor(() => (withdrawn ? true : undefined), { timeoutMs: 10_000, message: "the sampling request withdrawn" });
  });

  it("refuses the server's sampling and elicitation, saying why, for a client that did not declare them", async () => {
    const { url } = await gatewayApp("pt");
    const client = await connect(url);
    const sampled = await client.callTool({ name: "pt__ask_sampling", arguments: { who: "me" } });
    expect(sampled.isError).toBe(true);
    expect(textOf(sampled)).toContain("the client that made this call through PyGent's gateway did not declare the sampling capability");
    const elicited = await client.callTool({ name: "pt__ask_elicitation", arguments: { who: "me" } });
    expect(elicited.isError).toBe(true);
    expect(textOf(elicited)).toContain("did not declare the elicitation capability");
  });

  it("sends each session's sampling to that session when two call at once", async () => {
    const { url } = await gatewayApp("one", "two");
    const [first, second] = await Promise.all([connect(url, { sampling: {} }), connect(url, { sampling: {} })]);
    // Each handler answers only once both requests have arrived, so the two calls overlap.
    const asked: Record<string, string[]> = { first: [], second: [] };
    let bothAsked!: () => void;
    const together = new Promise<void>((resolve) => (bothAsked = resolve));
    for (const [name, client] of [
      ["first", first!],
      ["second", second!],
    ] as const) {
      client.setRequestHandler("sampling/createMessage", async (request) => {
        asked[name]!.push(askedText(request));
        if (asked.first!.length + asked.second!.length === 2) bothAsked();
        await together;
        return { model: "test-model", role: "assistant", content: { type: "text", text: `${name} answers` } };
      });
    }
    const [a, b] = await Promise.all([
      first!.callTool({ name: "one__ask_sampling", arguments: { who: "first" } }),
      second!.callTool({ name: "two__ask_sampling", arguments: { who: "second" } }),
    ]);
    expect(textOf(a)).toBe("first got: first answers");
    expect(textOf(b)).toBe("second got: second answers");
    expect(asked).toEqual({ first: ["sample for first"], second: ["sample for second"] });
  });

  it("refuses sampling it cannot attribute: two calls in flight on one server", async () => {
    const { url } = await gatewayApp("pt");
    const [first, second] = await Promise.all([connect(url, { sampling: {} }), connect(url, { sampling: {} })]);
    const asked: string[] = [];
    for (const client of [first!, second!]) {
      client.setRequestHandler("sampling/createMessage", async (request) => {
        asked.push(askedText(request));
        return { model: "test-model", role: "assistant", content: { type: "text", text: "should not be asked" } };
      });
    }
    const results = await Promise.all([
      first!.callTool({ name: "pt__ask_sampling", arguments: { who: "first", together: 2 } }),
      second!.callTool({ name: "pt__ask_sampling", arguments: { who: "second", together: 2 } }),
    ]);
    for (const result of results) {
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/2 requests are in flight on server "pt" and MCP does not say which one this belongs to/);
    }
    expect(asked).toEqual([]);
  });

  it("answers a malformed result from a server with an MCP error naming the server, the tool and the field, and keeps serving", async () => {
    const { url } = await gatewayAppOf("malformed-results.mjs", {}, "bad");
    const client = await connect(url);
    const failed = await client.callTool({ name: "bad__text_not_string", arguments: {} }).then(
      () => undefined,
      (error: unknown) => error as { message: string; data?: { code?: string; server_id?: string } },
    );
    expect(failed?.message).toContain('server "bad" answered text_not_string with a result whose content[1].text is not a string');
    expect(failed?.data).toMatchObject({ code: "TOOL_RESULT_INVALID", server_id: "bad" });
    expect(textOf(await client.callTool({ name: "bad__fine", arguments: {} }))).toBe("fine");
  });

  it("names the server and the tool of a gateway tool call on the audit log", async () => {
    const { url } = await gatewayApp("pt");
    const client = await connect(url);
    await client.callTool({ name: "pt__echo", arguments: { text: "on record" } });
    const { entries } = (await (await fetch(new URL("/api/v1/audit", url))).json()) as { entries: { action: string; target: string | null }[] };
    expect(entries.filter((entry) => entry.action === "POST /mcp").map((entry) => entry.target)).toEqual(["pt/echo"]);
  });

  it("counts a gateway call and a REST call once each in the /metrics histogram, with caller and entry point", async () => {
    const { app, url } = await gatewayApp("pt");
    const prometheus = createPrometheusMetrics({ bus: app.bus, manager: app.manager, defaultMetrics: false });
    stoppers.push(prometheus);
    const calls: ToolCalledEvent[] = [];
    stoppers.push({ stop: app.bus.subscribe("tool_called", (event) => calls.push(event)) });

    const client = await connect(url);
    await client.callTool({ name: "pt__echo", arguments: { text: "via the gateway" } });
    expect((await restCall(url, "pt", "echo", { text: "via REST" })).status).toBe(200);
    const sampled = (await (await restCall(url, "pt", "ask_sampling", { who: "rest" })).json()) as { is_error: boolean; content: { text: string }[] };
    expect(sampled.is_error).toBe(true);
    expect(sampled.content[0]?.text).toContain("PyGent's REST API or the daemon itself) cannot answer it");

    expect(calls.map(({ tool, outcome, via, caller }) => ({ tool, outcome, via, caller }))).toEqual([
      { tool: "echo", outcome: "ok", via: "gateway", caller: { id: null, name: "local" } },
      { tool: "echo", outcome: "ok", via: "rest", caller: { id: null, name: "local" } },
      { tool: "ask_sampling", outcome: "tool_error", via: "rest", caller: { id: null, name: "local" } },
    ]);
    const exposition = parsePrometheusText(await prometheus.render());
    const count = (labels: Record<string, string>) => sampleValue(exposition, "pygent_tool_call_duration_seconds_count", labels);
    expect(count({ server_id: "pt", tool: "echo", outcome: "ok", via: "gateway" })).toBe(1);
    expect(count({ server_id: "pt", tool: "echo", outcome: "ok", via: "rest" })).toBe(1);
    expect(count({ server_id: "pt", tool: "ask_sampling", outcome: "tool_error", via: "rest" })).toBe(1);
    expect(exposition.types.get("pygent_tool_call_duration_seconds")).toBe("histogram");
  });
});
