/**
 * The discovery and marketplace endpoints over the real app, install service, MCP manager and
 * store: listing with filters and pages, categories, ranked search, featured, install and
 * uninstall with roles, progress status, refusals — and no secret value in any answer.
 */
import { join } from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTokenService, type TokenService } from "../src/api/auth/token-service.js";
import { createAuthState } from "../src/api/auth/auth-state.js";
import { systemClock } from "../src/core/clock.js";
import { buildHarnessApp, createHarness, localEchoPackage, type Harness } from "./discovery/install-harness.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const SECRET = "api-secret-value-7f3a";
const HOST = "127.0.0.1:8080";

let prefix: string;
let h: Harness;
let app: FastifyInstance;
let tokens: TokenService;
let admin: string;
let viewer: string;

function request(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse> {
  const { token, ...inject } = options;
  return app.inject({
    ...inject,
    headers: { host: HOST, ...(token ? { authorization: `Bearer ${token}` } : {}), ...inject.headers },
  });
}

/** Every response body seen, to check no secret ever went out. */
const bodies: string[] = [];
async function get(url: string, token = viewer): Promise<LightMyRequestResponse> {
  const response = await request({ method: "GET", url, token });
  bodies.push(response.body);
  return response;
}

beforeAll(async () => {
  prefix = makeTempDir("pygent-prefix-");
  h = await createHarness({
    builtin: true,
    // Already on disk: installing it needs no download.
    entries: [localEchoPackage(join(prefix, "npm"), "mem", [{ name: "MEM_TOKEN", description: "A token", isRequired: true, isSecret: true }])],
    environment: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  tokens = createTokenService(h.store, systemClock, { authState: createAuthState({ repository: h.store.authState, clock: systemClock }) });
  app = await buildHarnessApp(h, { bind: { host: "127.0.0.1", port: 8080 } });
  admin = (await tokens.create("admin", "admin")).token;
  viewer = (await tokens.create("viewer", "viewer")).token;
});

afterAll(async () => {
  await app.close();
  await h.close();
  removeTempDir(prefix);
});

describe("discovery reads", () => {
  it("lists servers with total, offset and limit, and pages through them", async () => {
    const all = (await get("/api/v1/mcp/discovery/servers")).json();
    expect(all.total).toBeGreaterThan(20);
    expect(all).toMatchObject({ offset: 0, limit: 50 });
    const page = (await get("/api/v1/mcp/discovery/servers?offset=2&limit=3")).json();
    expect(page).toMatchObject({ total: all.total, offset: 2, limit: 3 });
    expect(page.servers.map((s: { id: string }) => s.id)).toEqual(all.servers.slice(2, 5).map((s: { id: string }) => s.id));
    const github = all.servers.find((s: { id: string }) => s.id === "github");
    expect(github).toMatchObject({ category: "development", transports: ["stdio"], registry_types: ["npm"], installed: false });
    expect(github.inputs).toContainEqual(expect.objectContaining({ name: "GITHUB_PERSONAL_ACCESS_TOKEN", required: true, secret: true }));
    expect(github.install_command[0]).toBe("npm");
  });

  it("filters by category, tag, featured, transport and registry type", async () => {
    const ids = async (query: string) => (await get(`/api/v1/mcp/discovery/servers?${query}`)).json().servers.map((s: { id: string }) => s.id);
    expect(await ids("category=filesystem")).toEqual(["filesystem", "python-filesystem"]);
    expect((await ids("registry_type=pypi")).sort()).toEqual(["fetch", "git", "sqlite", "time"]);
    expect(await ids("tag=echo-test")).toContain("mem");
    expect(await ids("transport=sse")).toEqual(expect.arrayContaining(["cloudflare-docs", "cloudflare-radar"]));
    const featured = (await get("/api/v1/mcp/discovery/servers?featured=true")).json().servers;
    expect(featured.length).toBeGreaterThan(0);
    expect(featured.every((s: { featured: boolean }) => s.featured)).toBe(true);
  });

  it("refuses bad query values naming the field", async () => {
    const bad = await get("/api/v1/mcp/discovery/servers?limit=abc");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].field).toBe("limit");
    expect((await get("/api/v1/mcp/discovery/servers?transport=carrier-pigeon")).statusCode).toBe(400);
    expect((await get("/api/v1/mcp/discovery/search")).statusCode).toBe(400);
  });

  it("shows one server with its server.json, and 404s an unknown one", async () => {
    const one = await get("/api/v1/mcp/discovery/servers/cloudflare-docs");
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: "cloudflare-docs", registry_types: ["remote"], server_json: { name: expect.any(String), remotes: expect.any(Array) } });
    const missing = await get("/api/v1/mcp/discovery/servers/nope");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("CATALOG_ENTRY_NOT_FOUND");
  });

  it("answers categories the same on both paths, largest first", async () => {
    const discovery = (await get("/api/v1/mcp/discovery/categories")).json().categories;
    const marketplace = (await get("/api/v1/mcp/marketplace/categories")).json().categories;
    expect(marketplace).toEqual(discovery);
    const counts = discovery.map((c: { count: number }) => c.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it("ranks search results, best first, on both paths", async () => {
    const found = (await get("/api/v1/mcp/discovery/search?q=github")).json();
    expect(found.query).toBe("github");
    expect(found.servers[0].id).toBe("github");
    const scores = found.servers.map((s: { score: number }) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const market = (await get("/api/v1/mcp/marketplace/search?q=github&limit=1")).json();
    expect(market.servers.map((s: { id: string }) => s.id)).toEqual(["github"]);
  });

  it("lists featured servers", async () => {
    const featured = (await get("/api/v1/mcp/marketplace/featured")).json().servers;
    expect(featured.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(["filesystem", "memory"]));
  });
});

describe("install and uninstall", () => {
  it("needs the admin role to install and uninstall; viewers may read", async () => {
    const asViewer = await request({ method: "POST", url: "/api/v1/mcp/discovery/install/mem", token: viewer, payload: {} });
    expect(asViewer.statusCode).toBe(403);
    expect(asViewer.json().error.details).toMatchObject({ required_role: "admin" });
    expect((await request({ method: "DELETE", url: "/api/v1/mcp/discovery/install/mem", token: viewer })).statusCode).toBe(403);
    expect((await request({ method: "POST", url: "/api/v1/mcp/discovery/install/mem", payload: {} })).statusCode).toBe(401);
  });

  it("refuses a missing required secret naming it, and a bad body without echoing values", async () => {
    const missing = await request({ method: "POST", url: "/api/v1/mcp/discovery/install/mem", token: admin, payload: {} });
    bodies.push(missing.body);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: "SECRET_REQUIRED", details: { missing: ["MEM_TOKEN"] } });
    expect(missing.json().error.message).toContain("MEM_TOKEN");

    const numeric = await request({ method: "POST", url: "/api/v1/mcp/discovery/install/mem", token: admin, payload: { secrets: { MEM_TOKEN: 987654321 } } });
    expect(numeric.statusCode).toBe(400);
    expect(numeric.body).not.toContain("987654321");
    const unknown = await request({ method: "POST", url: "/api/v1/mcp/discovery/install/mem", token: admin, payload: { command: ["sh", "-c", "id"] } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/unknown field "command"/);
    const notInCatalog = await request({ method: "POST", url: "/api/v1/mcp/discovery/install/not-here", token: admin, payload: {} });
    expect(notInCatalog.statusCode).toBe(404);
    expect(notInCatalog.json().error.code).toBe("CATALOG_ENTRY_NOT_FOUND");
  });

  it("installs with 201, the server view and the summary, running; progress is readable afterwards", async () => {
    const response = await request({
      method: "POST",
      url: "/api/v1/mcp/discovery/install/mem",
      token: admin,
      payload: { secrets: { MEM_TOKEN: SECRET } },
    });
    bodies.push(response.body);
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.server).toMatchObject({ id: "mem", state: "running", source: "api", config: { env: { MEM_TOKEN: "${MEM_TOKEN}" } } });
    expect(body.install).toMatchObject({ server_id: "mem", kind: "npm", secrets: ["MEM_TOKEN"], started: true });
    expect(body.install.progress.at(-1)).toMatchObject({ phase: "done", percent: 100 });

    const status = await get("/api/v1/mcp/discovery/install/mem");
    expect(status.json()).toMatchObject({ server_id: "mem", operation: "install", state: "done", phase: "done", error: null });
    expect((await get("/api/v1/mcp/discovery/install/never-installed")).statusCode).toBe(404);

    const again = await request({ method: "POST", url: "/api/v1/mcp/discovery/install/mem", token: admin, payload: { secrets: { MEM_TOKEN: SECRET } } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("SERVER_EXISTS");

    const listed = (await get("/api/v1/mcp/discovery/servers?tag=echo-test")).json().servers[0];
    expect(listed).toMatchObject({ id: "mem", installed: true, usage: { installs: 1 } });
    expect(listed.capabilities.tools).toEqual(expect.arrayContaining(["echo", "add"]));
  });

  it("ranks popular servers by real usage", async () => {
    await h.manager.callTool("mem", "echo", { text: "hi" });
    h.catalog.recordToolCalls("mem", 1); // the daemon wires tool_called events to this
    const popular = (await get("/api/v1/mcp/marketplace/popular?limit=3")).json().servers;
    expect(popular[0]).toMatchObject({ id: "mem", usage: { installs: 1, tool_calls: 1 }, score: 11 });
    expect(popular).toHaveLength(3);
  });

  it("never answers a secret value, on any endpoint", async () => {
    for (const url of [
      "/api/v1/mcp/servers",
      "/api/v1/mcp/servers/mem",
      "/api/v1/mcp/servers/mem/logs",
      "/api/v1/mcp/servers/mem/events",
      "/api/v1/mcp/discovery/servers",
      "/api/v1/mcp/discovery/servers/mem",
      "/api/v1/mcp/discovery/install/mem",
      "/api/v1/mcp/marketplace/popular",
      "/docs/json",
    ]) {
      await get(url, admin);
    }
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain(SECRET);
    expect(await h.store.secrets.valuesFor("mem")).toEqual({ MEM_TOKEN: SECRET });
  });

  it("uninstalls: 200 with what was removed, then 404", async () => {
    const response = await request({ method: "DELETE", url: "/api/v1/mcp/discovery/install/mem", token: admin });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ server_id: "mem", unregistered: true, removed_dir: null, secrets_removed: 1 });
    expect((await get("/api/v1/mcp/servers/mem")).statusCode).toBe(404);
    expect(await h.store.secrets.names("mem")).toEqual([]);
    const again = await request({ method: "DELETE", url: "/api/v1/mcp/discovery/install/mem", token: admin });
    expect(again.statusCode).toBe(404);
  });

  it("puts installs and uninstalls on the audit log with the admin's name, never the secret", async () => {
    // The audit hook runs after the answer is sent: wait for the entries themselves.
    await vi.waitFor(
      async () =>
        expect(await h.store.audit.query({ target: "mem", limit: 100 })).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ action: "POST /api/v1/mcp/discovery/install/:server_id", actor_name: "admin", ok: true, status: 201 }),
            expect.objectContaining({ action: "DELETE /api/v1/mcp/discovery/install/:server_id", actor_name: "admin", ok: true, status: 200 }),
          ]),
        ),
      { timeout: 5000 },
    );
    expect(JSON.stringify(await h.store.audit.query({ limit: 1000 }))).not.toContain(SECRET);
  });

  it("refuses registering a remote server at a forbidden literal address with 400 URL_NOT_ALLOWED", async () => {
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://10.0.0.1/mcp", "http://[::ffff:7f00:1]/mcp", "file:///etc/passwd"]) {
      const response = await request({ method: "POST", url: "/api/v1/mcp/servers", token: admin, payload: { id: "ssrf", url } });
      expect(response.statusCode, url).toBe(400);
      // file: is already refused by the config schema; the others by the network policy.
      expect(["URL_NOT_ALLOWED", "VALIDATION_FAILED"], url).toContain(response.json().error.code);
      if (!url.startsWith("file:")) expect(response.json().error.code, url).toBe("URL_NOT_ALLOWED");
    }
  });

  it("documents every discovery and marketplace route", async () => {
    const doc = (await get("/docs/json")).json() as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        "GET /api/v1/mcp/discovery/servers",
        "GET /api/v1/mcp/discovery/servers/{server_id}",
        "GET /api/v1/mcp/discovery/categories",
        "GET /api/v1/mcp/discovery/search",
        "POST /api/v1/mcp/discovery/install/{server_id}",
        "GET /api/v1/mcp/discovery/install/{server_id}",
        "DELETE /api/v1/mcp/discovery/install/{server_id}",
        "GET /api/v1/mcp/marketplace/featured",
        "GET /api/v1/mcp/marketplace/popular",
        "GET /api/v1/mcp/marketplace/categories",
        "GET /api/v1/mcp/marketplace/search",
      ]),
    );
  });
});

describe("discovery refresh", () => {
  it("refreshes every source on demand for an admin, keeping usage counts", async () => {
    // Run last: by now "mem" has been installed and its tools called.
    const before = h.catalog.usage("mem");
    expect(before?.installs).toBeGreaterThan(0);
    expect((await request({ method: "POST", url: "/api/v1/mcp/discovery/refresh", token: viewer })).statusCode).toBe(403);
    const response = await request({ method: "POST", url: "/api/v1/mcp/discovery/refresh", token: admin });
    expect(response.statusCode).toBe(200);
    const report = response.json() as { sources: { id: string; status: string }[]; total: number };
    expect(report.sources.map((source) => [source.id, source.status])).toEqual([
      ["builtin", "ok"],
      ["test", "ok"],
    ]);
    expect(report.total).toBeGreaterThan(1);
    expect(h.catalog.usage("mem")).toEqual(before);
  });
});
