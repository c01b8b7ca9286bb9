// For gateway test files: the test app and the SDK clients a test opens, all closed after it,
// and the app's base URL once it listens on loopback.
import type { Client } from "@modelcontextprotocol/client";
import { afterEach } from "vitest";
import type { TestApp } from "../../src/api/test-support/test-app.js";

export interface GatewayTestScope {
  /** Keeps the app to close after the test. */
  app(app: TestApp): TestApp;
  /** Keeps the client to close after the test (before the app). */
  client(client: Client): Client;
}

export function closedAfterEach(): GatewayTestScope {
  let current: TestApp | undefined;
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
    await current?.close();
    current = undefined;
  });
  return {
    app: (app) => (current = app),
    client: (client) => {
      clients.push(client);
      return client;
    },
  };
}

/** Listens on 127.0.0.1 with a port of the system's choosing; resolves with the app's base URL. */
export async function listenOnLoopback(app: TestApp): Promise<URL> {
  await app.app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return new URL(`http://127.0.0.1:${port}/`);
}

/** The text blocks of a tool result, joined. */
export function textOf(result: { content?: unknown }): string {
  return ((result.content ?? []) as { type: string; text?: string }[]).map((block) => block.text ?? "").join("");
}
