import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../core/logger.js";
import { createLocalScanSource, mcpServerMarker, npmBinFromPackageJson } from "./local-scan-source.js";
import { planInstall } from "./install-plan.js";
import { entryId, marketplaceOf } from "./schema.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pygent-scan-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function install(prefix: string, name: string, pkg: Record<string, unknown> | string): Promise<void> {
  const dir = join(prefix, "node_modules", ...name.split("/"));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), typeof pkg === "string" ? pkg : JSON.stringify({ name, version: "1.0.0", ...pkg }));
}

describe("local scan source", () => {
  it("finds installed MCP servers, scoped and unscoped, by mcpName, keyword or SDK dependency", async () => {
    await install(root, "@modelcontextprotocol/server-memory", {
      version: "2026.8.31",
      description: "MCP server for enabling memory",
      mcpName: "io.github.modelcontextprotocol/server-memory",
      bin: { "mcp-server-memory": "dist/index.js" },
    });
    await install(root, "weather-mcp", { keywords: ["MCP", "weather"], bin: "cli.js", homepage: "https://example.com/w" });
    await install(root, "@acme/notes", { dependencies: { "@modelcontextprotocol/sdk": "^1.0.0" }, bin: { notes: "bin/notes.js", other: "x.js" } });
    // Not servers: no marker, no bin, MCP tooling, broken JSON.
    await install(root, "left-pad", { bin: "index.js" });
    await install(root, "mcp-library", { keywords: ["mcp"] });
    await install(root, "@modelcontextprotocol/inspector-cli", { keywords: ["mcp"], bin: "cli.js" });
    await install(root, "broken", "{ not json");
    await mkdir(join(root, "node_modules", ".bin"), { recursive: true });

    const entries = await createLocalScanSource({ dirs: [root] }, { logger: silentLogger() }).list();
    expect(entries.map((e) => e.name).sort()).toEqual([
      "io.github.modelcontextprotocol/server-memory",
      "local.npm/acme-notes",
      "local.npm/weather-mcp",
    ]);
    const memory = entries.find((e) => e.name.endsWith("server-memory"))!;
    expect(memory.packages).toEqual([
      { registryType: "npm", identifier: "@modelcontextprotocol/server-memory", version: "2026.8.31", transport: { type: "stdio" } },
    ]);
    expect(marketplaceOf(memory)).toMatchObject({ id: "modelcontextprotocol-server-memory", local: true, install_prefix: root, bin: "dist/index.js", source: "local-scan", category: "local" });
    const weather = entries.find((e) => e.name === "local.npm/weather-mcp")!;
    expect(marketplaceOf(weather).tags).toEqual(["mcp", "weather"]);
    expect(weather.websiteUrl).toBe("https://example.com/w");
    expect(marketplaceOf(entries.find((e) => e.name === "local.npm/acme-notes")!).bin).toBe("bin/notes.js");
  });

  it("scans every install prefix under a servers folder and plans to run what it found in place", async () => {
    const serversDir = join(root, "servers");
    await install(join(serversDir, "weather"), "weather-mcp", { mcpName: "io.github.acme/weather", bin: "cli.js" });
    await install(join(serversDir, "copy"), "weather-mcp", { mcpName: "io.github.acme/weather", bin: "cli.js" });
    const entries = await createLocalScanSource({ servers_dir: serversDir }, { logger: silentLogger() }).list();
    expect(entries).toHaveLength(1);
    expect(entryId(entries[0]!)).toBe("weather-mcp");
    const plan = planInstall(entries[0]!, { nodePath: "/usr/bin/node" });
    expect(plan.already_installed).toBe(true);
    expect(plan.steps).toEqual([]);
    expect(plan.server.command).toEqual(["/usr/bin/node", join(serversDir, "copy", "node_modules", "weather-mcp", "cli.js")]);
  });

  it("lists nothing for a folder that does not exist", async () => {
    const entries = await createLocalScanSource({ dirs: [join(root, "missing")] }, { logger: silentLogger() }).list();
    expect(entries).toEqual([]);
  });

  it("finds the reference servers installed with this project", async () => {
    const entries = await createLocalScanSource({ dirs: [process.cwd()] }, { logger: silentLogger() }).list();
    const names = entries.map((e) => e.name);
    expect(names).toContain("io.github.modelcontextprotocol/server-everything");
    expect(names).toContain("io.github.modelcontextprotocol/server-filesystem");
    expect(names.some((n) => n.includes("inspector") || n.endsWith("/sdk"))).toBe(false);
  });
});

describe("package.json rules", () => {
  it("chooses the bin named like the package, else the first", () => {
    expect(npmBinFromPackageJson({ name: "x", bin: "cli.js" })).toBe("cli.js");
    expect(npmBinFromPackageJson({ name: "@s/tool", bin: { zeta: "z.js", tool: "t.js" } })).toBe("t.js");
    expect(npmBinFromPackageJson({ name: "@s/tool", bin: { zeta: "z.js", alpha: "a.js" } })).toBe("a.js");
    expect(npmBinFromPackageJson({ name: "x" })).toBeUndefined();
  });

  it("names why a package is an MCP server", () => {
    const base = { name: "p", version: "1.0.0" };
    expect(mcpServerMarker({ ...base, mcpName: "io.github.a/p" })).toBe("mcpName");
    expect(mcpServerMarker({ ...base, keywords: ["modelcontextprotocol"] })).toBe("keyword");
    expect(mcpServerMarker({ ...base, peerDependencies: { "@modelcontextprotocol/server": "2" } })).toBe("sdk-dependency");
    expect(mcpServerMarker(base)).toBeUndefined();
  });
});
