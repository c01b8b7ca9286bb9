/**
 * The daemon client against a real HTTP server on 127.0.0.1: the API's error shape becomes an
 * ApiError with code, status and field issues; a closed port becomes DAEMON_UNREACHABLE with
 * the message that says how to start the daemon.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/helpers/network.js";
import { ApiError, createApiClient, normaliseBaseUrl } from "./client.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
const routes = new Map<string, Handler>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const handler = routes.get(`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
      if (handler) handler(req, body, res);
      else json(res, 404, { error: { code: "NOT_FOUND", message: "Nothing is here." } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected the request to fail");
}

describe("createApiClient", () => {
  it("sends the bearer token and JSON body, and parses the JSON answer", async () => {
    let seen: { auth?: string; type?: string; body?: unknown; query?: string } = {};
    routes.set("POST /api/v1/mcp/servers", (req, body, res) => {
      seen = { auth: req.headers.authorization, type: req.headers["content-type"], body: JSON.parse(body) };
      json(res, 201, { id: "fs", state: "running" });
    });
    routes.set("GET /api/v1/mcp/servers/fs/logs", (req, _body, res) => {
      seen.query = new URL(req.url ?? "", "http://x").search;
      json(res, 200, { server_id: "fs", lines: [] });
    });
    const client = createApiClient({ baseUrl: `${baseUrl}/`, token: "pgf_secret" });
    expect(await client.post("/api/v1/mcp/servers", { id: "fs", command: ["node"] })).toEqual({ id: "fs", state: "running" });
    expect(seen).toMatchObject({ auth: "Bearer pgf_secret", type: "application/json", body: { id: "fs", command: ["node"] } });
    await client.get("/api/v1/mcp/servers/fs/logs", { limit: 50, since: undefined });
    expect(seen.query).toBe("?limit=50");
  });

  it("sends no authorization header without a token, and returns undefined for 204", async () => {
    let auth: string | undefined = "unset";
    routes.set("DELETE /api/v1/mcp/servers/fs", (req, _body, res) => {
      auth = req.headers.authorization;
      res.writeHead(204).end();
    });
    expect(await createApiClient({ baseUrl }).delete("/api/v1/mcp/servers/fs")).toBeUndefined();
    expect(auth).toBeUndefined();
  });

  it("turns the API's error body into an ApiError with code, status and field issues", async () => {
    routes.set("POST /api/v1/mcp/servers/bad", (_req, _body, res) =>
      json(res, 400, {
        error: {
          code: "VALIDATION_FAILED",
          message: "The request is not valid.",
          details: { issues: [{ field: "command", message: "is required" }, { field: "env.TOKEN", message: "must be a string" }] },
        },
      }),
    );
    const error = await caught(createApiClient({ baseUrl }).post("/api/v1/mcp/servers/bad", {}));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.status).toBe(400);
    expect(error.message).toBe("The request is not valid.");
    expect(error.issues).toEqual([
      { field: "command", message: "is required" },
      { field: "env.TOKEN", message: "must be a string" },
    ]);
  });

  it("keeps codes this build does not know, and 404s from unknown paths", async () => {
    routes.set("GET /api/v1/future", (_req, _body, res) => json(res, 418, { error: { code: "TEAPOT_MODE", message: "short and stout" } }));
    const client = createApiClient({ baseUrl });
    expect(await caught(client.get("/api/v1/future"))).toMatchObject({ code: "TEAPOT_MODE", status: 418, message: "short and stout" });
    expect(await caught(client.get("/api/v1/nowhere"))).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("reports an answer that is not the API's shape with its status and a piece of the body", async () => {
    routes.set("GET /proxy", (_req, _body, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><body>Bad Gateway from nginx</body></html>");
    });
    routes.set("GET /garbage", (_req, _body, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("hello");
    });
    const client = createApiClient({ baseUrl });
    const proxy = await caught(client.get("/proxy"));
    expect(proxy.code).toBe("HTTP_502");
    expect(proxy.message).toContain("HTTP 502");
    expect(proxy.message).toContain("Bad Gateway from nginx");
    const garbage = await caught(client.get("/garbage"));
    expect(garbage.code).toBe("INVALID_RESPONSE");
    expect(garbage.message).toContain("hello");
  });

  it("maps a refused connection to DAEMON_UNREACHABLE with how to start the daemon", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await caught(createApiClient({ baseUrl: url }).get("/api/v1/health"));
    expect(error.code).toBe("DAEMON_UNREACHABLE");
    expect(error.status).toBe(0);
    expect(error.message).toBe(`daemon not reachable at ${url} — start it with \`npm start\` or \`pygent serve\``);
    expect(error.details).toEqual({ cause: "ECONNREFUSED" });
  });

  it("gives up on a daemon that does not answer in time", async () => {
    routes.set("GET /slow", (_req, _body, res) => {
      setTimeout(() => json(res, 200, {}), 2000).unref();
    });
    const started = Date.now();
    const error = await caught(createApiClient({ baseUrl, timeoutMs: 200 }).get("/slow"));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.code).toBe("DAEMON_UNREACHABLE");
    expect(error.message).toContain("did not answer within");
  });

  it("gives up on an answer whose body stops coming, with the same message", async () => {
    routes.set("GET /stalls", (_req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"servers": [');
    });
    const error = await caught(createApiClient({ baseUrl, timeoutMs: 200 }).get("/stalls"));
    expect(error.code).toBe("DAEMON_UNREACHABLE");
    expect(error.message).toContain("did not answer within");
  });

  it("refuses a base URL that is not http(s) before sending anything", () => {
    expect(() => normaliseBaseUrl("localhost:8000")).toThrow(/http/);
    expect(() => normaliseBaseUrl("ftp://host")).toThrow(/http or https/);
    expect(normaliseBaseUrl("http://127.0.0.1:8000///")).toBe("http://127.0.0.1:8000");
  });
});
