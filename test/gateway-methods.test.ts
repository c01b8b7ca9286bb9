/**
 * The MCP utilities the gateway routes to the owning server, end to end in one process: the real
 * app on loopback, real servers over stdio (`@modelcontextprotocol/server-everything` and the
 * conformance fixture) and official SDK clients on /mcp. A client's log level filters the log
 * messages a server sends during that client's call, which reach that client only; a completion
 * of a prompt's or a resource template's argument comes from the server that owns it; a
 * resource update reaches only the sessions subscribed to that resource, and the server stays
 * subscribed exactly as long as one session holds it, across its restarts.
 */
import { Client, StreamableHTTPClientTransport, type LoggingMessageNotificationParams } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { createTestApp, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";
import { GatewayProfileSchema } from "../src/config/gateway-profiles-schema.js";
import { closedAfterEach, listenOnLoopback, textOf } from "./helpers/gateway-apps.js";
import { everythingEntry, fixtureServer } from "./helpers/fixture-servers.js";
import { waitFor } from "./helpers/processes.js";

const scope = closedAfterEach();

/** The app with `entries` registered and running, listening on loopback; resolves with its base URL. */
async function gatewayWith(entries: Record<string, unknown>[], gateway: Record<string, unknown> = {}): Promise<{ app: TestApp; base: URL }> {
  const app = scope.app(await createTestApp({ gateway }));
  for (const { id, ...config } of entries) await app.manager.registerServer(id as string, config);
  const base = await listenOnLoopback(app);
  for (const { id } of entries) {
    await waitFor(() => (app.manager.get(id as string).state === "running" ? true : undefined), { timeoutMs: 30_000, message: `${String(id)} running` });
  }
  return { app, base };
}

async function connect(url: URL): Promise<Client> {
  const client = scope.client(new Client({ name: "methods-test", version: "1.0.0" }));
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** The log messages a client receives, as they come. */
function logsOf(client: Client): LoggingMessageNotificationParams[] {
  const seen: LoggingMessageNotificationParams[] = [];
  client.setNotificationHandler("notifications/message", (notification) => void seen.push(notification.params));
  return seen;
}

/** The URIs of the resource updates a client receives, as they come. */
function updatesOf(client: Client): string[] {
  const seen: string[] = [];
  client.setNotificationHandler("notifications/resources/updated", (notification) => void seen.push(notification.params.uri));
  return seen;
}

const TEXT_TEMPLATE = "demo://resource/dynamic/text/{resourceId}";

describe("gateway utility methods", { timeout: 90_000 }, () => {
  it("passes a server's log messages to the calling client only, at or above the level that client set", async () => {
    const { base } = await gatewayWith([fixtureServer("conf", "conformance-server.mjs")]);
    const url = new URL("/mcp", base);
    const [caller, quiet, bystander] = [await connect(url), await connect(url), await connect(url)];
    const [callerLogs, quietLogs, bystanderLogs] = [logsOf(caller), logsOf(quiet), logsOf(bystander)];
    expect(await caller.setLoggingLevel("info")).toEqual({});
    expect(await quiet.setLoggingLevel("warning")).toEqual({});

    // The messages are sent before the answer, on the call's own stream: they are in when it is.
    const result = await caller.callTool({ name: "conf__test_tool_with_logging", arguments: {} });
    expect(textOf(result)).toBe("Tool with logging executed successfully");
    expect(callerLogs).toEqual(["Tool execution started", "Tool processing data", "Tool execution completed"].map((data) => ({ level: "info", data })));

    await quiet.callTool({ name: "conf__test_tool_with_logging", arguments: {} });
    expect(quietLogs).toEqual([]);
    expect(bystanderLogs).toEqual([]);
  });

  it("completes a prompt's and a resource template's argument from the server that owns them, under the names of the session's view", async () => {
    const profiles = { everything: GatewayProfileSchema.parse({ servers: ["everything"], prefix: false }) };
    const { base } = await gatewayWith([everythingEntry()], { profiles });
    const client = await connect(new URL("/mcp", base));

    const department = await client.complete({ ref: { type: "ref/prompt", name: "everything__completable-prompt" }, argument: { name: "department", value: "S" } });
    expect(department.completion.values).toEqual(["Sales", "Support"]);
    const member = await client.complete({
      ref: { type: "ref/prompt", name: "everything__completable-prompt" },
      argument: { name: "name", value: "" },
      context: { arguments: { department: "Marketing" } },
    });
    expect(member.completion.values).toEqual(["Grace", "Henry", "Iris"]);
    const resourceId = await client.complete({ ref: { type: "ref/resource", uri: TEXT_TEMPLATE }, argument: { name: "resourceId", value: "7" } });
    expect(resourceId.completion.values).toEqual(["7"]);

    const bare = await connect(new URL("/mcp/p/everything", base));
    const viaProfile = await bare.complete({ ref: { type: "ref/prompt", name: "completable-prompt" }, argument: { name: "department", value: "E" } });
    expect(viaProfile.completion.values).toEqual(["Engineering"]);
    await expect(client.complete({ ref: { type: "ref/prompt", name: "completable-prompt" }, argument: { name: "department", value: "E" } })).rejects.toThrow(
      /no prompt is named "completable-prompt"/,
    );
  });

  it("sends a resource's updates to the sessions subscribed to it only, and keeps the server subscribed while one still is", async () => {
    const { base } = await gatewayWith([everythingEntry()]);
    const url = new URL("/mcp", base);
    const [first, second] = [await connect(url), await connect(url)];
    const [firstUpdates, secondUpdates] = [updatesOf(first), updatesOf(second)];
    const [one, two] = ["demo://resource/dynamic/text/1", "demo://resource/dynamic/text/2"];
    expect(await first.subscribeResource({ uri: one })).toEqual({});
    expect(await second.subscribeResource({ uri: two })).toEqual({});

    // The server sends the update of `one`, then of `two`, at once and every 5 s after.
    await first.callTool({ name: "everything__toggle-subscriber-updates", arguments: {} });
    await waitFor(() => firstUpdates.includes(one) && secondUpdates.includes(two), { timeoutMs: 20_000, message: "each session's update" });
    // `one`'s update came first: had it reached the second session, it would be there by now.
    expect(secondUpdates).not.toContain(one);

    // The first session leaves `one` while the second joins it: the server stays subscribed.
    await second.subscribeResource({ uri: one });
    await first.unsubscribeResource({ uri: one });
    secondUpdates.length = 0;
    await waitFor(() => secondUpdates.includes(one), { timeoutMs: 20_000, message: "the next update of the resource the second session still holds" });
    expect(firstUpdates.filter((uri) => uri === two)).toEqual([]);
  });

  it("unsubscribes the server from a resource once the last session holding it closes", async () => {
    const { app, base } = await gatewayWith([everythingEntry()]);
    const url = new URL("/mcp", base);
    const leavingTransport = new StreamableHTTPClientTransport(url);
    const leaving = scope.client(new Client({ name: "methods-test", version: "1.0.0" }));
    await leaving.connect(leavingTransport);
    const staying = await connect(url);
    const [one, two] = ["demo://resource/dynamic/text/1", "demo://resource/dynamic/text/2"];
    await leaving.subscribeResource({ uri: one });
    await staying.subscribeResource({ uri: two });
    // What the server sends, whoever gets it: the server sends `one`'s update before `two`'s in each round.
    const sent: string[] = [];
    const stop = app.bus.subscribe("resource_updated", (event) => void sent.push(event.uri));
    try {
      await leavingTransport.terminateSession();
      await waitFor(() => (app.gateway!.status().sessions === 1 ? true : undefined), { timeoutMs: 10_000, message: "the session closed" });
      await staying.callTool({ name: "everything__toggle-subscriber-updates", arguments: {} });
      // Two rounds, so that the second began well after the unsubscribe was sent.
      await waitFor(() => (sent.filter((uri) => uri === two).length >= 2 ? true : undefined), { timeoutMs: 20_000, message: "two rounds of updates" });
      expect(sent.slice(sent.indexOf(two) + 1)).toEqual([two]);
    } finally {
      stop();
    }
  });

  it("subscribes a server that started again to what its clients still hold", async () => {
    const { app, base } = await gatewayWith([everythingEntry()]);
    const client = await connect(new URL("/mcp", base));
    const updates = updatesOf(client);
    const uri = "demo://resource/dynamic/text/3";
    await client.subscribeResource({ uri });

    await app.manager.restartServer("everything");
    await waitFor(() => (app.manager.get("everything").state === "running" ? true : undefined), { timeoutMs: 30_000, message: "everything running again" });
    await client.callTool({ name: "everything__toggle-subscriber-updates", arguments: {} });
    await waitFor(() => updates.includes(uri), { timeoutMs: 20_000, message: "the update of the resource, from the restarted server" });
  });

  it("answers an empty completion for a server that does not complete, and refuses a subscription its owner or a stateless request cannot take", async () => {
    const { base } = await gatewayWith([echoEntry("echo")]);
    const url = new URL("/mcp", base);
    const client = await connect(url);

    const none = await client.complete({ ref: { type: "ref/prompt", name: "echo__greet" }, argument: { name: "name", value: "A" } });
    expect(none).toEqual({ completion: { values: [], total: 0, hasMore: false } });
    await expect(client.complete({ ref: { type: "ref/resource", uri: "nothing://{here}" }, argument: { name: "here", value: "" } })).rejects.toThrow(
      /no running server serves the resource nothing:\/\/\{here\}/,
    );
    await expect(client.subscribeResource({ uri: "echo://info" })).rejects.toThrow(/server "echo" serves echo:\/\/info but does not offer resource subscriptions/);

    const stateless = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "echo://info" } }),
    });
    expect(await stateless.json()).toMatchObject({ id: 1, error: { code: -32600, message: expect.stringMatching(/needs a session/) } });
  });
});
