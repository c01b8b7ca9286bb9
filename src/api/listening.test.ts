// The app on a real socket (127.0.0.1, port 0): the Host rule follows the port actually bound,
// and raw paths reach the router without a client normalizing them first.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoStack, createTestApp, echoEntry, type TestApp } from "./test-support/test-app.js";

let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await createTestApp({ bind: { host: "127.0.0.1", port: 0 } });
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  const address = t.app.server.address();
  if (!address || typeof address !== "object") throw new Error("not listening");
  port = address.port;
});
afterAll(async () => {
  await t.close();
});

/** A raw HTTP request: the path and Host header are sent exactly as given. */
function raw(
  method: string,
  path: string,
  options: { host?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: { host: options.host ?? `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

describe("on a real port", () => {
  it("serves fetch clients naming the bound port", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("healthy");
  });

  it("accepts every loopback name on the bound port and refuses others", async () => {
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`]) {
      expect((await raw("GET", "/api/v1/health", { host })).status, host).toBe(200);
    }
    for (const host of [`127.0.0.1:${port + 1}`, `rebind.attacker.example:${port}`, "127.0.0.1"]) {
      const response = await raw("GET", "/api/v1/health", { host });
      expect(response.status, host).toBe(403);
      expect(JSON.parse(response.body).error.code).toBe("HOST_NOT_ALLOWED");
    }
  });

  it("answers 400 INVALID_ID for dot-dot and encoded slashes sent raw", async () => {
    for (const id of ["..", "%2E%2E", "a%2Fb", "%2e%2e%2fetc"]) {
      const response = await raw("GET", `/api/v1/mcp/servers/${id}`);
      expect(response.status, id).toBe(400);
      const body = JSON.parse(response.body);
      expect(body.error.code).toBe("INVALID_ID");
      expect(body.error.details.issues[0].field).toBe("id");
      assertNoStack(response.body);
    }
  });

  it("registers, runs and calls a server end to end", async () => {
    const created = await raw("POST", "/api/v1/mcp/servers", {
      body: JSON.stringify(echoEntry("live")),
      headers: { "content-type": "application/json" },
    });
    expect(created.status, created.body).toBe(201);
    expect(JSON.parse(created.body).state).toBe("running");
    const called = await raw("POST", "/api/v1/mcp/servers/live/tools/echo/call", {
      body: JSON.stringify({ arguments: { text: "over the wire" } }),
      headers: { "content-type": "application/json" },
    });
    expect(called.status).toBe(200);
    expect(JSON.parse(called.body).content[0].text).toBe("over the wire");
    const stopped = await raw("POST", "/api/v1/mcp/servers/live/stop");
    expect(JSON.parse(stopped.body).state).toBe("stopped");
  });

  it("answers 413 to an oversize body on the wire", async () => {
    const response = await raw("POST", "/api/v1/mcp/servers", {
      body: JSON.stringify({ id: "big", command: ["x"], description: "y".repeat(1_100_000) }),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe("BODY_TOO_LARGE");
  });
});
