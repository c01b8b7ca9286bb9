/**
 * Dependencies point downward only (docs/architecture.md). This test reads every import in src/,
 * static or dynamic, and fails on one that reaches up or sideways, so the layering cannot erode
 * quietly.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Lower ranks are lower layers; a domain may import its own files and any lower rank. */
const RANK: Record<string, number> = {
  core: 0,
  store: 1,
  bus: 1,
  config: 2,
  /** The audit log: below everything that records into it (api, daemon, cli). */
  audit: 2,
  mcp: 3,
  /** Language-model providers (chat, embeddings): below everything that uses a model. */
  llm: 3,
  health: 4,
  discovery: 4,
  /** Retrieval and agent memory: use llm's embedders and the store. */
  rag: 4,
  memory: 4,
  alerts: 5,
  gateway: 6,
  /** Agents call tools through the gateway and use memory, retrieval and models. */
  agents: 7,
  api: 8,
  daemon: 9,
  cli: 10,
  /** The package's public entry point re-exports from every domain. */
  "index.ts": 11,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * The relative specifier of every static import or re-export (`from "../x.js"`) and every
 * dynamic `import("../x.js")`: a lazy import is still a dependency.
 */
const IMPORT_SPECIFIER = /(?:(?:import|export)[^"']*?from\s+|\bimport\s*\(\s*)["'](\.[^"']+)["']/g;

function domainOf(path: string): string {
  return relative(SRC, path).split("/")[0] ?? "";
}

describe("layering", () => {
  it("knows the rank of every domain folder", () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((folder) => RANK[folder] === undefined)).toEqual([]);
    const rootFiles = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    expect(rootFiles.filter((file) => RANK[file] === undefined)).toEqual([]);
  });

  it("has no import that points up or sideways", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = domainOf(file);
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(IMPORT_SPECIFIER)) {
        const target = domainOf(resolve(dirname(file), match[1]!));
        if (target === from) continue;
        if ((RANK[target] ?? Infinity) >= (RANK[from] ?? -1)) {
          violations.push(`${relative(SRC, file)} imports ${match[1]} (${from} -> ${target})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
