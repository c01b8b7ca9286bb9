import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../core/logger.js";
import { captureLogger } from "../../test/discovery/capture-logger.js";
import { createRegistrySource } from "./registry-source.js";
import { entryId, marketplaceOf, OFFICIAL_META_KEY } from "./schema.js";

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<{ baseUrl: string; requests: URL[] }> {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    handler(req, res, url);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, requests };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function item(n: number, extra: Record<string, unknown> = {}) {
  return {
    server: {
      $schema: "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
      name: `io.github.example/server-${n}`,
      description: `Example server ${n}`,
      version: `1.0.${n}`,
      packages: [{ registryType: "npm", identifier: `@example/server-${n}`, version: `1.0.${n}`, transport: { type: "stdio" } }],
      ...extra,
    },
    _meta: { [OFFICIAL_META_KEY]: { status: "active", publishedAt: "2025-10-01T00:00:00Z", isLatest: true } },
  };
}

/** Three pages of two, with an invalid entry on the second page. */
function threePages(_req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (url.pathname !== "/v0.1/servers") return json(res, { error: "not found" }, 404);
  const cursor = url.searchParams.get("cursor");
  if (cursor === null) return json(res, { servers: [item(1), item(2)], metadata: { nextCursor: "page-2", count: 2 } });
  if (cursor === "page-2") {
    const bad = { server: { name: "not a reverse dns name", description: "", version: "1" } };
    return json(res, { servers: [item(3), bad, item(4)], metadata: { nextCursor: "page-3", count: 3 } });
  }
  if (cursor === "page-3") return json(res, { servers: [item(5)], metadata: { count: 1 } });
  return json(res, { error: "bad cursor" }, 400);
}

describe("registry source", () => {
  it("follows nextCursor across pages and skips an invalid entry with a warning", async () => {
    const { baseUrl, requests } = await serve(threePages);
    const { logger, warnings } = captureLogger();
    const source = createRegistrySource({ base_url: baseUrl, page_size: 2, search: "example" }, { logger });
    const entries = await source.list();

    expect(entries.map(entryId)).toEqual(["server-1", "server-2", "server-3", "server-4", "server-5"]);
    expect(requests.map((r) => r.searchParams.get("cursor"))).toEqual([null, "page-2", "page-3"]);
    for (const request of requests) {
      expect(request.searchParams.get("limit")).toBe("2");
      expect(request.searchParams.get("search")).toBe("example");
      expect(request.searchParams.get("version")).toBe("latest");
    }
    const skipped = warnings().filter((w) => w.msg.includes("skipping an invalid registry entry"));
    expect(skipped).toHaveLength(1);
    expect(JSON.stringify(skipped[0])).toContain("page 2 servers[1].name");
    expect(marketplaceOf(entries[0]!)).toMatchObject({ source: "registry", category: "other", featured: false });
    expect(entries[0]!._meta[OFFICIAL_META_KEY]).toMatchObject({ status: "active", isLatest: true });
  });

  it("does not let a publisher set the fields only this machine may set", async () => {
    const forged = item(7, {
      _meta: {
        "io.pygent/marketplace": {
          id: "forged",
          category: "web",
          tags: ["x"],
          featured: true,
          source: "builtin",
          local: true,
          install_prefix: "/tmp",
          bin: "dist/evil.js",
        },
      },
    });
    const { baseUrl } = await serve((_req, res) => json(res, { servers: [forged], metadata: { count: 1 } }));
    const [entry] = await createRegistrySource({ base_url: baseUrl }, { logger: silentLogger() }).list();
    const market = marketplaceOf(entry!);
    expect(market).toMatchObject({ id: "forged", category: "web", featured: false, source: "registry" });
    expect(market.local).toBeUndefined();
    expect(market.install_prefix).toBeUndefined();
    expect(market.bin).toBeUndefined();
  });

  it("stops at max_pages", async () => {
    const { baseUrl, requests } = await serve((_req, res, url) => {
      const n = Number(url.searchParams.get("cursor") ?? "0");
      json(res, { servers: [item(n)], metadata: { nextCursor: String(n + 1) } });
    });
    const { logger, warnings } = captureLogger();
    const entries = await createRegistrySource({ base_url: baseUrl, max_pages: 4 }, { logger }).list();
    expect(entries).toHaveLength(4);
    expect(requests).toHaveLength(4);
    expect(warnings().some((w) => w.msg.includes("max_pages"))).toBe(true);
  });

  it("stops when the registry repeats a cursor", async () => {
    const { baseUrl, requests } = await serve((_req, res) => json(res, { servers: [item(1)], metadata: { nextCursor: "same" } }));
    const entries = await createRegistrySource({ base_url: baseUrl }, { logger: silentLogger() }).list();
    expect(entries).toHaveLength(1);
    expect(requests).toHaveLength(2);
  });

  it("reads older registries: flat entries, snake_case and next_cursor", async () => {
    const { baseUrl, requests } = await serve((_req, res, url) => {
      if (url.searchParams.get("cursor") === null) {
        return json(res, {
          servers: [
            {
              name: "io.github.example/legacy",
              description: "Legacy entry",
              version_detail: { version: "0.3.0" },
              packages: [{ registry_name: "pypi", name: "legacy-mcp", version: "0.3.0" }],
            },
          ],
          metadata: { next_cursor: "b" },
        });
      }
      return json(res, { servers: [item(9)], metadata: {} });
    });
    const entries = await createRegistrySource({ base_url: `${baseUrl}/`, api_version: "v0" }, { logger: silentLogger() }).list();
    expect(requests[0]!.pathname).toBe("/v0/servers");
    expect(entries.map(entryId)).toEqual(["legacy", "server-9"]);
    expect(entries[0]!.packages?.[0]).toMatchObject({ registryType: "pypi", identifier: "legacy-mcp", version: "0.3.0" });
  });

  it("drops deleted servers and keeps the latest version when a registry sends several", async () => {
    const { baseUrl } = await serve((_req, res) => {
      const old = item(1);
      old.server.version = "0.9.0";
      old._meta[OFFICIAL_META_KEY].isLatest = false;
      const deleted = item(2);
      deleted._meta[OFFICIAL_META_KEY].status = "deleted";
      json(res, { servers: [old, item(1), deleted] });
    });
    const entries = await createRegistrySource({ base_url: baseUrl }, { logger: silentLogger() }).list();
    expect(entries.map((e) => [entryId(e), e.version])).toEqual([["server-1", "1.0.1"]]);
  });

  it("times out a registry that does not answer", async () => {
    const { baseUrl } = await serve(() => {
      // never answers
    });
    const source = createRegistrySource({ base_url: baseUrl, timeout_ms: 200 }, { logger: silentLogger() });
    const started = Date.now();
    await expect(source.list()).rejects.toThrow(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("passes on the caller's abort", async () => {
    const { baseUrl } = await serve(() => {});
    const controller = new AbortController();
    const source = createRegistrySource({ base_url: baseUrl }, { logger: silentLogger() });
    const listing = source.list({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("shutting down")), 50);
    await expect(listing).rejects.toThrow("shutting down");
  });

  it("fails on an HTTP error, a non-JSON body and an oversized body", async () => {
    const { baseUrl } = await serve((_req, res, url) => {
      if (url.searchParams.get("search") === "500") return json(res, { error: "boom" }, 500);
      if (url.searchParams.get("search") === "html") {
        res.writeHead(200, { "content-type": "text/html" });
        return res.end("<html>");
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`{"servers":[${" ".repeat(4096)}`);
      res.end("]}");
    });
    const make = (search: string) => createRegistrySource({ base_url: baseUrl, search, max_response_bytes: 2048 }, { logger: silentLogger() });
    await expect(make("500").list()).rejects.toThrow(/HTTP 500/);
    await expect(make("html").list()).rejects.toThrow(/did not answer JSON/);
    await expect(make("big").list()).rejects.toThrow(/2048-byte limit/);
  });

  it("accepts only http(s) registry URLs", () => {
    const deps = { logger: silentLogger() };
    expect(() => createRegistrySource({ base_url: "file:///etc/passwd" }, deps)).toThrow(/must use http or https/);
    expect(() => createRegistrySource({ base_url: "not a url" }, deps)).toThrow(/absolute http\(s\) URL/);
    expect(() => createRegistrySource({ base_url: "https://user:pw@example.com" }, deps)).toThrow(/credentials/);
  });
});
