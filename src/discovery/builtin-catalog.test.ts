import { describe, expect, it } from "vitest";
import { BUILTIN_CATALOG } from "./builtin-catalog.js";
import { createBuiltinSource } from "./builtin-source.js";
import { installCommandFor } from "./install-plan.js";
import { entryId, marketplaceOf, normalizeServerJson, type CatalogEntry } from "./schema.js";

function duplicates(values: string[]): string[] {
  return values.filter((value, index) => values.indexOf(value) !== index);
}

describe("the built-in catalog", () => {
  const entries: CatalogEntry[] = BUILTIN_CATALOG.map((raw, index) => normalizeServerJson(raw, { label: `builtin[${index}]` }));

  it("validates as server.json catalog entries", async () => {
    const listed = await createBuiltinSource().list();
    expect(listed).toHaveLength(BUILTIN_CATALOG.length);
    for (const entry of listed) expect(marketplaceOf(entry).source).toBe("builtin");
  });

  it("has unique ids, registry names and packages", () => {
    expect(duplicates(entries.map(entryId))).toEqual([]);
    expect(duplicates(entries.map((e) => e.name))).toEqual([]);
    expect(duplicates(entries.flatMap((e) => (e.packages ?? []).map((p) => `${p.registryType}:${p.identifier}`)))).toEqual([]);
  });

  it("fails a catalog with a duplicate id", () => {
    const first = BUILTIN_CATALOG[0]!;
    const copy = { ...first, name: "io.github.example/copy" };
    const ids = [first, copy].map((raw) => entryId(normalizeServerJson(raw)));
    expect(duplicates(ids)).toEqual(["filesystem"]);
  });

  it("keeps descriptions within the official registry's 100 characters", () => {
    for (const entry of entries) expect(entry.description.length, entryId(entry)).toBeLessThanOrEqual(100);
  });

  it("holds every server the specification names, with its real package or endpoint", () => {
    const byId = new Map(entries.map((e) => [entryId(e), e]));
    const pkg = (id: string) => byId.get(id)?.packages?.[0];
    expect(pkg("fetch")).toMatchObject({ registryType: "pypi", identifier: "mcp-server-fetch" });
    expect(pkg("time")).toMatchObject({ registryType: "pypi", identifier: "mcp-server-time" });
    expect(pkg("git")).toMatchObject({ registryType: "pypi", identifier: "mcp-server-git" });
    expect(pkg("sequential-thinking")).toMatchObject({ registryType: "npm", identifier: "@modelcontextprotocol/server-sequential-thinking" });
    expect(pkg("memory")).toMatchObject({ registryType: "npm", identifier: "@modelcontextprotocol/server-memory" });
    expect(pkg("context7")).toMatchObject({ registryType: "npm", identifier: "@upstash/context7-mcp" });
    expect(pkg("github")?.environmentVariables).toEqual([
      expect.objectContaining({ name: "GITHUB_PERSONAL_ACCESS_TOKEN", isRequired: true, isSecret: true }),
    ]);
    expect(byId.get("python-filesystem")?.repository?.url).toBe("https://github.com/punkpeye/mcp-filesystem-python");
    const sse = (id: string) => byId.get(id)?.remotes?.find((r) => r.type === "sse")?.url;
    expect(sse("cloudflare-docs")).toBe("https://docs.mcp.cloudflare.com/sse");
    expect(sse("cloudflare-bindings")).toBe("https://bindings.mcp.cloudflare.com/sse");
    expect(sse("cloudflare-radar")).toBe("https://radar.mcp.cloudflare.com/sse");
    expect(sse("cloudflare-browser")).toBe("https://browser.mcp.cloudflare.com/sse");
    expect(marketplaceOf(byId.get("cloudflare-browser")!).category).toBe("automation");
  });

  it("pins an exact version on every package and can say how to install each one", () => {
    for (const entry of entries) {
      for (const pkg of entry.packages ?? []) expect(pkg.version, entryId(entry)).toMatch(/^\d+\.\d+\.\d+$/);
      if ((entry.packages ?? []).length + (entry.remotes ?? []).length === 0) continue;
      expect(() => installCommandFor(entry), entryId(entry)).not.toThrow();
    }
  });

  it("agrees with the reference servers installed in node_modules", async () => {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    for (const id of ["everything", "filesystem", "memory", "sequential-thinking"]) {
      const entry = entries.find((e) => entryId(e) === id)!;
      const pkg = entry.packages![0]!;
      const installed = require(`${pkg.identifier}/package.json`) as { version: string; mcpName?: string; bin: Record<string, string> };
      expect(entry.name).toBe(installed.mcpName);
      expect(Object.values(installed.bin)).toContain(marketplaceOf(entry).bin);
    }
  });
});
