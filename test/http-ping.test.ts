// The health check's lean ping to Streamable HTTP servers (src/mcp/http-ping.ts): it answers for
// real servers whether they reply with JSON or an SSE stream, inside their session, and hands
// every other case (an expired session, a refused connection) back to the SDK's ping, which
// decides what the failure means.
import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import { parseServer } from "../src/config/validate.js";
import { openConnection, type Connection } from "../src/mcp/connection.js";
import { HttpPing } from "../src/mcp/http-ping.js";
import { serveEverything, serveHttp } from "./helpers/http-servers.js";
import { fixturePath, makeTempDir, removeTempDir, waitForExit } from "./helpers/processes.js";
import { selfSignedCertificate } from "./helpers/tls-certificate.js";

const children: ChildProcess[] = [];
const connections: Connection[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const connection of connections.splice(0)) await connection.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
      await waitForExit(child.pid!, 10_000);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
});

async function connect(url: string): Promise<Connection> {
  const connection = await openConnection(parseServer({ id: "remote", url }), { environment: process.env });
  connections.push(connection);
  return connection;
}

/** The lean ping alone, inside the session the SDK opened. */
function leanPing(url: string, connection: Connection): HttpPing {
  return new HttpPing(new URL(url), {}, connection.transport as StreamableHTTPClientTransport, undefined, undefined);
}

/** A tiny endpoint that answers every POST with `answer` (or never, when it is undefined). */
async function endpoint(answer: ((id: unknown) => unknown) | undefined): Promise<string> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (!answer) return;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(answer((JSON.parse(body) as { id: unknown }).id)));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const SESSION = { sessionId: "s-1", protocolVersion: "2025-06-18" };

describe("the lean HTTP ping", { timeout: 60_000 }, () => {
  it("gets the answer of server-everything inside its session, time after time", async () => {
    const { port } = await serveEverything(children, "streamableHttp");
    const url = `http://127.0.0.1:${port}/mcp`;
    const connection = await connect(url);
    expect((connection.transport as StreamableHTTPClientTransport).sessionId).toBeDefined();
    const ping = leanPing(url, connection);
    for (let i = 0; i < 20; i++) expect(await ping.ping({ timeout: 10_000 })).toBe(true);
    await connection.ping({ timeout: 10_000 });
  });

  it("leaves an expired session to the SDK, whose ping then fails with the 404", async () => {
    const { port } = await serveHttp(children, [fixturePath("expiring-sessions-http.mjs")], 0, "expiring-sessions server");
    const url = `http://127.0.0.1:${port}/mcp`;
    const connection = await connect(url);
    const ping = leanPing(url, connection);
    expect(await ping.ping({ timeout: 10_000 })).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/expire-sessions`, { method: "POST" })).status).toBe(204);
    expect(await ping.ping({ timeout: 10_000 })).toBe(false);
    await expect(connection.ping({ timeout: 10_000 })).rejects.toThrow(/404|session/i);
  });

  it("pings over HTTPS with the server's own CA bundle (tls.ca_file)", async () => {
    const dir = makeTempDir("pygent-http-ping-");
    try {
      const { certFile, keyFile } = selfSignedCertificate(dir);
      const { port } = await serveHttp(children, [fixturePath("expiring-sessions-http.mjs")], 0, "https server", { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
      const url = `https://127.0.0.1:${port}/mcp`;
      const connection = await openConnection(parseServer({ id: "remote", url, tls: { ca_file: certFile } }), { environment: process.env });
      connections.push(connection);
      const transport = connection.transport as StreamableHTTPClientTransport;
      const trusting = new HttpPing(new URL(url), {}, transport, certFile, undefined);
      expect(await trusting.ping({ timeout: 10_000 })).toBe(true);
      trusting.close();
      // Without the bundle the certificate is refused, and the SDK is left to say so.
      expect(await new HttpPing(new URL(url), {}, transport, undefined, undefined).ping({ timeout: 10_000 })).toBe(false);
      await connection.ping({ timeout: 10_000 });
    } finally {
      removeTempDir(dir);
    }
  });

  it("leaves a refused connection to the SDK", async () => {
    const url = await endpoint(() => ({}));
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    expect(await new HttpPing(new URL(url), {}, SESSION, undefined, undefined).ping({ timeout: 10_000 })).toBe(false);
  });

  it("rejects with the server's JSON-RPC error, so that a server without ping is listed instead", async () => {
    const url = await endpoint((id) => ({ jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } }));
    await expect(new HttpPing(new URL(url), {}, SESSION, undefined, undefined).ping({ timeout: 10_000 })).rejects.toMatchObject({ code: -32601 });
  });

  it("gives up on a server that never answers with the SDK's own timeout error", async () => {
    const url = await endpoint(undefined);
    await expect(new HttpPing(new URL(url), {}, SESSION, undefined, undefined).ping({ timeout: 300 })).rejects.toMatchObject({ code: "REQUEST_TIMEOUT" });
  });

  it("does not answer for a session of the 2026 protocol, whose requests carry an envelope only the SDK writes", async () => {
    const url = await endpoint((id) => ({ jsonrpc: "2.0", id, result: {} }));
    const ping = new HttpPing(new URL(url), {}, { sessionId: undefined, protocolVersion: "2026-07-28" }, undefined, undefined);
    expect(await ping.ping({ timeout: 10_000 })).toBe(false);
    expect(await new HttpPing(new URL(url), {}, SESSION, undefined, undefined).ping({ timeout: 10_000 })).toBe(true);
  });
});
