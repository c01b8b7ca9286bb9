/**
 * The discovery source over npm packages already installed on this machine: it reads
 * `<dir>/node_modules/<name>/package.json` and `<dir>/node_modules/@scope/<name>/package.json`
 * and keeps the packages that are MCP servers with something to run (a `bin`).
 *
 * A package counts as an MCP server when it carries `mcpName` (the official registry's npm
 * ownership marker), or is tagged "mcp"/"modelcontextprotocol", or depends on the MCP server
 * SDK. The heuristics also match MCP tooling that is not a server (inspectors, test kits), which
 * a short list excludes by name.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { idFromServerName, normalizeServerJson, SERVER_NAME_PATTERN, type CatalogEntry } from "./schema.js";
import type { DiscoverySource } from "./source.js";

export const LOCAL_SCAN_SOURCE_ID = "local-scan";

export const LocalScanSourceOptionsSchema = z
  .object({
    id: z.string().min(1).default(LOCAL_SCAN_SOURCE_ID),
    /** Folders holding a node_modules folder (an npm --prefix), scanned as they are. */
    dirs: z.array(z.string().min(1)).default([]),
    /** A folder of per-server install prefixes (data/servers): each subfolder is scanned. */
    servers_dir: z.string().min(1).optional(),
    category: z.string().min(1).default("local"),
  })
  .strict();
export type LocalScanSourceOptions = z.input<typeof LocalScanSourceOptionsSchema>;

const MCP_KEYWORDS = new Set(["mcp", "modelcontextprotocol", "model-context-protocol", "mcp-server"]);
const MCP_SDK_PACKAGES = ["@modelcontextprotocol/sdk", "@modelcontextprotocol/server"];
/** MCP packages that ship a bin but are clients, proxies' libraries or test tools, not servers. */
const NOT_SERVERS = new Set([
  "@modelcontextprotocol/sdk",
  "@modelcontextprotocol/server",
  "@modelcontextprotocol/client",
  "@modelcontextprotocol/core",
  "@modelcontextprotocol/node",
  "@modelcontextprotocol/inspector",
  "@modelcontextprotocol/inspector-cli",
  "@modelcontextprotocol/inspector-client",
  "@modelcontextprotocol/inspector-server",
  "@modelcontextprotocol/conformance",
]);

const PackageJsonSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  mcpName: z.string().optional(),
  keywords: z.array(z.unknown()).optional(),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  homepage: z.string().optional(),
  repository: z.union([z.string(), z.looseObject({ url: z.string().optional() })]).optional(),
  dependencies: z.record(z.string(), z.unknown()).optional(),
  peerDependencies: z.record(z.string(), z.unknown()).optional(),
});
export type PackageJson = z.infer<typeof PackageJsonSchema>;

/** Why a package.json describes an MCP server, or undefined when it does not. */
export function mcpServerMarker(pkg: PackageJson): "mcpName" | "keyword" | "sdk-dependency" | undefined {
  if (NOT_SERVERS.has(pkg.name)) return undefined;
  if (typeof pkg.mcpName === "string" && pkg.mcpName.length > 0) return "mcpName";
  if ((pkg.keywords ?? []).some((k) => typeof k === "string" && MCP_KEYWORDS.has(k.toLowerCase()))) return "keyword";
  const deps = { ...pkg.peerDependencies, ...pkg.dependencies };
  if (MCP_SDK_PACKAGES.some((name) => name in deps)) return "sdk-dependency";
  return undefined;
}

/**
 * The file a package runs, relative to its root: `bin` when it is a string, else the bin named
 * like the package (npm's convention for a package's main command), else the only or first one.
 */
export function npmBinFromPackageJson(pkg: Pick<PackageJson, "name" | "bin">): string | undefined {
  if (typeof pkg.bin === "string") return pkg.bin || undefined;
  if (!pkg.bin) return undefined;
  const names = Object.keys(pkg.bin).sort();
  const unscoped = pkg.name.includes("/") ? pkg.name.slice(pkg.name.indexOf("/") + 1) : pkg.name;
  const chosen = pkg.bin[unscoped] !== undefined ? unscoped : names[0];
  return chosen === undefined ? undefined : pkg.bin[chosen];
}

export function createLocalScanSource(options: LocalScanSourceOptions, deps: { logger: Logger }): DiscoverySource {
  const settings = LocalScanSourceOptionsSchema.parse(options);
  const logger = deps.logger.child({ module: "discovery.local-scan", source: settings.id });

  async function prefixes(): Promise<string[]> {
    const out = [...settings.dirs];
    if (settings.servers_dir) {
      for (const name of await listDir(settings.servers_dir)) out.push(join(settings.servers_dir, name));
    }
    return out;
  }

  async function packageDirs(prefix: string): Promise<string[]> {
    const modules = join(prefix, "node_modules");
    const out: string[] = [];
    for (const name of await listDir(modules)) {
      if (name.startsWith(".")) continue;
      if (name.startsWith("@")) {
        for (const inner of await listDir(join(modules, name))) {
          if (!inner.startsWith(".")) out.push(join(modules, name, inner));
        }
      } else out.push(join(modules, name));
    }
    return out;
  }

  async function readPackage(dir: string): Promise<PackageJson | undefined> {
    let text: string;
    try {
      text = await readFile(join(dir, "package.json"), "utf8");
    } catch {
      return undefined; // a folder without package.json is not a package
    }
    try {
      const parsed = PackageJsonSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      logger.warn({ dir }, "package.json is not valid JSON; skipped");
      return undefined;
    }
  }

  function toEntry(pkg: PackageJson, prefix: string, dir: string): CatalogEntry | undefined {
    const bin = npmBinFromPackageJson(pkg);
    if (bin === undefined) return undefined;
    const name =
      pkg.mcpName !== undefined && SERVER_NAME_PATTERN.test(pkg.mcpName)
        ? pkg.mcpName
        : `local.npm/${pkg.name.replace(/^@/, "").replace(/\//g, "-")}`;
    const keywords = (pkg.keywords ?? []).filter((k): k is string => typeof k === "string" && k.length <= 50);
    try {
      return normalizeServerJson(
        {
          name,
          title: pkg.name,
          description: (pkg.description?.trim() || `Locally installed npm package ${pkg.name}`).slice(0, 2000),
          version: pkg.version,
          ...(homepage(pkg) ? { websiteUrl: homepage(pkg) } : {}),
          packages: [{ registryType: "npm", identifier: pkg.name, version: pkg.version, transport: { type: "stdio" } }],
        },
        {
          defaults: {
            id: idFromServerName(pkg.name.replace(/^@/, "").replace(/\//g, "-")),
            category: settings.category,
            tags: [...new Set(keywords.map((k) => k.toLowerCase()))].slice(0, 50),
            featured: false,
            source: settings.id,
            local: true,
            install_prefix: prefix,
            bin,
          },
        },
      );
    } catch (error) {
      logger.warn({ dir, error: errorMessage(error) }, "installed MCP package could not be described; skipped");
      return undefined;
    }
  }

  return {
    id: settings.id,
    fingerprint: JSON.stringify(settings),
    async list(listOptions = {}) {
      const entries: CatalogEntry[] = [];
      const seen = new Set<string>();
      for (const prefix of await prefixes()) {
        for (const dir of await packageDirs(prefix)) {
          listOptions.signal?.throwIfAborted();
          const pkg = await readPackage(dir);
          if (pkg === undefined || mcpServerMarker(pkg) === undefined) continue;
          const entry = toEntry(pkg, prefix, dir);
          // The same package installed under two prefixes is one server; the first prefix wins.
          if (entry === undefined || seen.has(entry.name)) continue;
          seen.add(entry.name);
          entries.push(entry);
        }
      }
      logger.debug({ entries: entries.length }, "local scan done");
      return entries;
    },
  };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    const dirents = await readdir(dir, { withFileTypes: true });
    return dirents
      .filter((d) => d.isDirectory() || d.isSymbolicLink())
      .map((d) => d.name)
      .sort();
  } catch {
    return []; // a missing folder has nothing installed in it
  }
}

function homepage(pkg: PackageJson): string | undefined {
  const candidate = pkg.homepage;
  return candidate !== undefined && /^https?:\/\/\S+$/.test(candidate) ? candidate : undefined;
}
