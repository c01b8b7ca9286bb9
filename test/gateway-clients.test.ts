/**
 * The gateway through clients nobody here wrote: the MCP Inspector's CLI mode lists and calls
 * tools over Streamable HTTP on /mcp and over stdio through `pygent mcp` (which it launches, as a
 * desktop client would); and two official SDK clients with 16 calls in flight each get back,
 * every one of them, the answer to their own call. The real app listens on loopback with the
 * real manager running `server-everything`; auth is on (an operator token).
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/api/test-support/test-app.js";
import { packageBin } from "../src/config/package-bin.js";
import { BIN } from "./helpers/daemon-process.js";
import { inspect } from "./helpers/outside-clients.js";
import { waitFor } from "./helpers/processes.js";

let app: TestApp | undefined;
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await app?.close();
  app = undefined;
});

/** The app with server-everything running behind /mcp and auth on; its base URL and an operator token. */
async function gatewayWithEverything(): Promise<{ base: string; token: string }> {
  const started = await createTestApp({ gateway: {} });
  app = started;
  await started.manager.registerServer("everything", {
    command: [process.execPath, packageBin("@modelcontextprotocol/server-everything"), "stdio"],
    startup_timeout: 20,
    shutdown_timeout: 2,
  });
  await waitFor(() => started.manager.get("everything").state === "running", { timeoutMs: 30_000, message: "everything running" });
  const { token } = await started.tokens.create("outside-client", "operator");
  await started.app.listen({ host: "127.0.0.1", port: 0 });
  const address = started.app.server.address();
  return { base: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, token };
}

type ToolList = { tools: { name: string }[] };
type ToolResult = { content: { type: string; text?: string }[]; isError?: boolean };

const LIST = ["--method", "tools/list"];
const ECHO = (message: string) => ["--method", "tools/call", "--tool-name", "everything__echo", "--tool-arg", `message=${message}`];

describe("the gateway through outside clients", { timeout: 120_000 }, () => {
  it("the Inspector CLI lists and calls tools through /mcp over Streamable HTTP", async () => {
    const { base, token } = await gatewayWithEverything();
    const target = [`${base}/mcp`, "--transport", "http", "--header", `Authorization: Bearer ${token}`];

    const listed = (await inspect([...target, ...LIST])) as ToolList;
    expect(listed.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["everything__echo", "everything__get-sum"]));
    const called = (await inspect([...target, ...ECHO("from the inspector")])) as ToolResult;
    expect(called).toEqual({ content: [{ type: "text", text: "Echo: from the inspector" }] });
  });

  it("the Inspector CLI lists and calls tools through `pygent mcp`, which it launches with PYGENT_URL and PYGENT_TOKEN", async () => {
    const { base, token } = await gatewayWithEverything();
    const target = ["-e", `PYGENT_URL=${base}`, "-e", `PYGENT_TOKEN=${token}`, process.execPath, BIN, "mcp"];

    const listed = (await inspect([...target, ...LIST])) as ToolList;
    expect(listed.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["everything__echo", "everything__get-sum"]));
    const called = (await inspect([...target, ...ECHO("over stdio")])) as ToolResult;
    expect(called).toEqual({ content: [{ type: "text", text: "Echo: over stdio" }] });
    expect(app!.gateway!.status().calls).toEqual({ total: 1, failed: 0 });
  });

  it("two SDK clients with 16 calls in flight each get, every one, the answer to their own call", async () => {
    const { base, token } = await gatewayWithEverything();
    const connect = async (name: string) => {
      const client = new Client({ name, version: "1.0.0" });
      clients.push(client);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    };
    const callers = await Promise.all(["left", "right"].map(connect));
    const IN_FLIGHT = 16;
    const ROUNDS = 8;
    const answers = await Promise.all(
      callers.flatMap((client, c) =>
        Array.from({ length: IN_FLIGHT }, async (_, slot) => {
          const mismatches: string[] = [];
          for (let round = 0; round < ROUNDS; round++) {
            const message = `client ${c} slot ${slot} round ${round}`;
            const result = (await client.callTool({ name: "everything__echo", arguments: { message } })) as ToolResult;
            const text = result.content[0]?.text;
            if (text !== `Echo: ${message}`) mismatches.push(`${message} got ${text}`);
          }
          return mismatches;
        }),
      ),
    );
    expect(answers.flat()).toEqual([]);
    expect(app!.gateway!.status().calls).toEqual({ total: 2 * IN_FLIGHT * ROUNDS, failed: 0 });
  });
});
