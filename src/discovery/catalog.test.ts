import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../core/logger.js";
import { captureLogger } from "../../test/discovery/capture-logger.js";
import { BUILTIN_CATALOG } from "./builtin-catalog.js";
import { createBuiltinSource } from "./builtin-source.js";
import { cachePath, createDiscoveryCache, type CacheFile } from "./cache.js";
import { createCatalog } from "./catalog.js";
import { entryId, marketplaceOf, normalizeServerJson, type CatalogEntry } from "./schema.js";
import type { DiscoverySource } from "./source.js";

function staticSource(id: string, entries: CatalogEntry[], remote = false): DiscoverySource & { calls: number } {
  const source = {
    id,
    remote,
    calls: 0,
    async list() {
      source.calls += 1;
      return entries;
    },
  };
  return source;
}

function failingSource(id: string): DiscoverySource {
  return {
    id,
    remote: true,
    async list() {
      throw new Error("registry unreachable");
    },
  };
}

function entry(name: string, extra: Record<string, unknown> = {}): CatalogEntry {
  return normalizeServerJson({ name, description: `The ${name} server`, version: "1.0.0", ...extra }, { defaults: { source: "other" } });
}

async function builtinCatalog() {
  const catalog = createCatalog({ sources: [createBuiltinSource()], logger: silentLogger(), clock: new ManualClock() });
  await catalog.load();
  return catalog;
}

describe("catalog search", () => {
  it("ranks filesystem first for 'file'", async () => {
    const catalog = await builtinCatalog();
    const hits = catalog.search("file");
    expect(entryId(hits[0]!.entry)).toBe("filesystem");
    expect(hits.map((h) => entryId(h.entry))).toContain("python-filesystem");
  });

  it("ranks cloudflare-docs first for 'cloudflare docs'", async () => {
    const catalog = await builtinCatalog();
    const ids = catalog.search("cloudflare docs").map((h) => entryId(h.entry));
    expect(ids[0]).toBe("cloudflare-docs");
    // Every Cloudflare server matches one of the words and follows.
    expect(ids.slice(1, 4).sort()).toEqual(["cloudflare-bindings", "cloudflare-browser", "cloudflare-radar"]);
  });

  it("ranks github first for 'github', although every official name lives under io.github", async () => {
    const catalog = await builtinCatalog();
    const ids = catalog.search("github").map((h) => entryId(h.entry));
    expect(ids[0]).toBe("github");
    // Servers whose only link to the word is an io.github namespace are noise, not results.
    expect(ids).not.toContain("context7");
  });

  it("finds by title, tag and description words and by prefix", async () => {
    const catalog = await builtinCatalog();
    expect(entryId(catalog.search("Sequential Thinking")[0]!.entry)).toBe("sequential-thinking");
    expect(entryId(catalog.search("knowledge graph")[0]!.entry)).toBe("memory");
    expect(entryId(catalog.search("timezone")[0]!.entry)).toBe("time");
    expect(entryId(catalog.search("postgr")[0]!.entry)).toBe("postgres");
    expect(entryId(catalog.search("upstash")[0]!.entry)).toBe("context7");
  });

  it("orders equal scores by id and limits results", async () => {
    const catalog = await builtinCatalog();
    const hits = catalog.search("official", { limit: 100 });
    for (let i = 1; i < hits.length; i += 1) {
      const a = hits[i - 1]!;
      const b = hits[i]!;
      expect(a.score > b.score || (a.score === b.score && entryId(a.entry) < entryId(b.entry))).toBe(true);
    }
    expect(catalog.search("official", { limit: 3 })).toHaveLength(3);
    expect(catalog.search("zzzz-nothing")).toEqual([]);
    expect(catalog.search("   ")).toEqual([]);
  });
});

describe("catalog views", () => {
  it("counts categories", async () => {
    const catalog = await builtinCatalog();
    const categories = catalog.categories();
    const total = categories.reduce((sum, c) => sum + c.count, 0);
    expect(total).toBe(BUILTIN_CATALOG.length);
    const counts = Object.fromEntries(categories.map((c) => [c.name, c.count]));
    expect(counts).toMatchObject({ filesystem: 2, knowledge: 4, development: 4, data: 5, automation: 2, cloud: 1, reasoning: 1 });
    for (let i = 1; i < categories.length; i += 1) expect(categories[i - 1]!.count).toBeGreaterThanOrEqual(categories[i]!.count);
  });

  it("filters and pages the list", async () => {
    const catalog = await builtinCatalog();
    expect(catalog.list().total).toBe(BUILTIN_CATALOG.length);
    expect(catalog.list({ category: "filesystem" }).servers.map(entryId)).toEqual(["filesystem", "python-filesystem"]);
    expect(catalog.list({ registry_type: "pypi" }).servers.map(entryId).sort()).toEqual(["fetch", "git", "sqlite", "time"]);
    expect(catalog.list({ registry_type: "remote" }).total).toBe(4);
    expect(catalog.list({ transport: "sse" }).total).toBe(4);
    expect(catalog.list({ transport: "http" }).total).toBe(4);
    expect(catalog.list({ tag: "remote", featured: true }).servers.map(entryId)).toEqual(["cloudflare-docs"]);
    const page = catalog.list({ offset: 2, limit: 3 });
    expect(page).toMatchObject({ total: BUILTIN_CATALOG.length, offset: 2, limit: 3 });
    expect(page.servers.map(entryId)).toEqual(catalog.list().servers.slice(2, 5).map(entryId));
    expect(catalog.list({ limit: 10_000 }).limit).toBe(500);
    expect(catalog.featured().map(entryId)).toContain("github");
    expect(catalog.get("github")?.title).toBe("GitHub");
    expect(() => catalog.require("nope")).toThrow(/no server "nope"/);
  });

  it("ranks popular servers by installs and tool calls", async () => {
    const catalog = await builtinCatalog();
    await catalog.recordInstall("memory");
    catalog.recordToolCalls("git", 25);
    catalog.recordToolCalls("time", 3);
    expect(catalog.recordToolCalls("unknown", 3)).toBe(false);
    const popular = catalog.popular({ limit: 4 });
    expect(popular.map((p) => entryId(p.entry))).toEqual(["git", "memory", "time", popular[3] && entryId(popular[3].entry)]);
    expect(popular[1]).toMatchObject({ installs: 1, tool_calls: 0, score: 10 });
    // Without usage, featured servers lead, by id.
    expect(marketplaceOf(popular[3]!.entry).featured).toBe(true);
    await catalog.close();
  });
});

describe("merging sources", () => {
  it("puts the built-in catalog first and drops duplicates by name, package or URL", async () => {
    const byName = entry("io.github.modelcontextprotocol/server-memory", { title: "Memory (registry copy)" });
    const byPackage = entry("io.github.someone/gh", {
      packages: [{ registryType: "npm", identifier: "@modelcontextprotocol/server-github", version: "1.0.0", transport: { type: "stdio" } }],
    });
    const byUrl = entry("com.example/docs-mirror", { remotes: [{ type: "sse", url: "https://docs.mcp.cloudflare.com/sse/" }] });
    const fresh = entry("io.github.someone/weather");
    const registry = staticSource("registry", [byName, byPackage, byUrl, fresh], true);
    const catalog = createCatalog({ sources: [registry, createBuiltinSource()], logger: silentLogger(), clock: new ManualClock() });
    await catalog.load();
    expect(catalog.list().total).toBe(BUILTIN_CATALOG.length + 1);
    expect(catalog.get("memory")?.title).toBe("Memory");
    expect(catalog.list().servers.at(-1)?.name).toBe("io.github.someone/weather");
  });

  it("gives a different server whose id is taken a longer id", async () => {
    const { logger, warnings } = captureLogger();
    const other = entry("com.example/github");
    const catalog = createCatalog({ sources: [createBuiltinSource(), staticSource("registry", [other])], logger, clock: new ManualClock() });
    await catalog.load();
    expect(catalog.get("github")?.name).toBe("io.github.modelcontextprotocol/server-github");
    expect(catalog.get("com.example-github")?.name).toBe("com.example/github");
    expect(warnings().some((w) => w.msg.includes("renamed"))).toBe(true);
  });

  it("marks a built-in entry installed when the local scan found the same package version", async () => {
    const local = normalizeServerJson(
      {
        name: "io.github.modelcontextprotocol/server-memory",
        description: "local copy",
        version: "2026.8.31",
        packages: [{ registryType: "npm", identifier: "@modelcontextprotocol/server-memory", version: "2026.8.31", transport: { type: "stdio" } }],
      },
      { defaults: { id: "server-memory", category: "local", source: "local-scan", local: true, install_prefix: "/srv/x", bin: "dist/index.js" } },
    );
    const catalog = createCatalog({ sources: [createBuiltinSource(), staticSource("local-scan", [local])], logger: silentLogger(), clock: new ManualClock() });
    await catalog.load();
    expect(marketplaceOf(catalog.get("memory")!)).toMatchObject({ local: true, install_prefix: "/srv/x" });
    expect(catalog.get("server-memory")).toBeUndefined();
    expect(catalog.installCommand("memory")).toEqual([]);
  });

  it("keeps a failed source's previous entries and reports the failure", async () => {
    const { logger, warnings } = captureLogger();
    let fail = false;
    const registry: DiscoverySource = {
      id: "registry",
      remote: true,
      async list() {
        if (fail) throw new Error("registry unreachable");
        return [entry("io.github.someone/weather")];
      },
    };
    const catalog = createCatalog({ sources: [createBuiltinSource(), registry], logger, clock: new ManualClock() });
    await catalog.load();
    fail = true;
    const report = await catalog.refresh();
    expect(report.sources.find((s) => s.id === "registry")).toMatchObject({ status: "failed", entries: 1, error: "registry unreachable" });
    expect(catalog.get("weather")).toBeDefined();
    expect(warnings().some((w) => w.msg.includes("discovery source failed"))).toBe(true);
  });

  it("refuses two sources with one id", () => {
    expect(() =>
      createCatalog({ sources: [staticSource("registry", []), staticSource("registry", [])], logger: silentLogger(), clock: new ManualClock() }),
    ).toThrow(/distinct ids; repeated: registry/);
  });

  it("still lists the built-in catalog when every other source fails", async () => {
    const catalog = createCatalog({ sources: [failingSource("registry"), createBuiltinSource()], logger: silentLogger(), clock: new ManualClock() });
    const report = await catalog.load();
    expect(report.total).toBe(BUILTIN_CATALOG.length);
  });
});

describe("catalog and cache together", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "pygent-catalog-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the cache with install commands and usage, and serves remote entries from it while fresh", async () => {
    const clock = new ManualClock();
    const cache = createDiscoveryCache({ path: cachePath(dir), logger: silentLogger(), clock });
    const registry = staticSource("registry", [entry("io.github.someone/weather")], true);
    const first = createCatalog({ sources: [createBuiltinSource(), registry], cache, logger: silentLogger(), clock });
    expect((await first.load()).cache).toBe("missing");
    await first.recordInstall("github");
    first.recordToolCalls("github", 4);
    first.recordHealth("github", "healthy");
    clock.advance(5000); // the debounced write
    await first.flush();

    const file = JSON.parse(await readFile(cachePath(dir), "utf8")) as CacheFile;
    expect(file.version).toBe(1);
    expect(file.servers.github).toMatchObject({
      install_command: [
        "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix",
        join("data", "servers", "github"), "@modelcontextprotocol/server-github@2025.4.8",
      ],
      usage: { installs: 1, tool_calls: 4 },
      last_health: { status: "healthy" },
    });
    expect(file.servers["cloudflare-docs"]?.install_command).toEqual([]);
    expect(file.servers.fetch?.install_command).toEqual(["uvx", "--from", "mcp-server-fetch==2026.10.24", "mcp-server-fetch"]);
    expect(file.servers["python-filesystem"]?.install_command).toEqual([]);

    // A second start within the age limit does not ask the remote source again.
    clock.advance(60_000);
    const second = createCatalog({ sources: [createBuiltinSource(), registry], cache, logger: silentLogger(), clock });
    const report = await second.load();
    expect(report.cache).toBe("ok");
    expect(registry.calls).toBe(1);
    expect(report.sources.find((s) => s.id === "registry")?.status).toBe("cached");
    expect(second.get("weather")).toBeDefined();
    expect(second.usage("github")).toMatchObject({ installs: 1, tool_calls: 4 });
    expect(second.lastHealth("github")?.status).toBe("healthy");

    // Once stale, it does.
    clock.advance(7 * 60 * 60 * 1000);
    const third = createCatalog({ sources: [createBuiltinSource(), registry], cache, logger: silentLogger(), clock });
    expect((await third.load()).cache).toBe("stale");
    expect(registry.calls).toBe(2);
  });

  it("rebuilds a corrupt cache from the sources and keeps the bad file aside", async () => {
    const { writeFile, readdir } = await import("node:fs/promises");
    const { logger, warnings } = captureLogger();
    const clock = new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7, 8));
    const path = cachePath(dir);
    await createDiscoveryCache({ path, logger, clock }).save({ version: 1, updated_at: "x", servers: {} });
    await writeFile(path, '{"version": 1, "servers": {"github": ');
    const catalog = createCatalog({ sources: [createBuiltinSource()], cache: createDiscoveryCache({ path, logger, clock }), logger, clock });
    const report = await catalog.load();
    expect(report.cache).toBe("corrupt");
    expect(catalog.list().total).toBe(BUILTIN_CATALOG.length);
    const files = (await readdir(join(dir, "mcp_cache"))).sort();
    expect(files).toEqual(["discovered_servers.json", "discovered_servers.json.corrupt-2026-03-04T05-06-07-008Z"]);
    const rebuilt = JSON.parse(await readFile(path, "utf8")) as CacheFile;
    expect(Object.keys(rebuilt.servers)).toHaveLength(BUILTIN_CATALOG.length);
    expect(warnings().some((w) => w.msg.includes("corrupt"))).toBe(true);
  });
});
