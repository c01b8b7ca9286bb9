/**
 * What the built `pygent` command loads before it knows which command it runs: the CLI and the
 * few constants its help shows, not the daemon's domains or zod. A client command such as
 * `pygent servers list` took 0.6 s and 100 MB when one stray import pulled them all in, and
 * 0.2 s and 49 MB without them; each command loads what it needs when it runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BUNDLE = fileURLToPath(new URL("../dist/bundle", import.meta.url));

/** The files loaded with the entry: its static imports, theirs, and so on (dynamic imports load later). */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(BUNDLE, file), "utf8");
    for (const match of text.matchAll(/(?:^|[;\n])\s*import\s*(?:[^;("]*?from\s*)?"\.\/([^"]+)"/g)) pending.push(match[1]!);
  }
  return [...seen];
}

/** The source files a bundle file was built from, by its source map. */
function sourcesOf(file: string): string[] {
  const map = JSON.parse(readFileSync(join(BUNDLE, `${file}.map`), "utf8")) as { sources: string[] };
  return map.sources.map((source) => source.replace(/^(\.\.\/)+/, ""));
}

describe("the pygent command's bundle", () => {
  it("loads the CLI at start, and none of the daemon's domains or zod", () => {
    expect(existsSync(join(BUNDLE, "pygent.js")), "dist/bundle/pygent.js: run npm run build").toBe(true);
    const sources = staticClosure("pygent.js").flatMap(sourcesOf);
    expect(sources).toContain("src/cli/main.ts");
    expect(sources).toContain("src/cli/commands/servers-command.ts");
    const heavy = sources.filter((source) =>
      /node_modules\/zod\/|src\/(mcp|store|api|daemon|health|discovery|gateway\/gateway|alerts\/alert-service|rag\/rag-service|agents\/evolution\/evolve|config\/validate)/.test(source),
    );
    expect(heavy).toEqual([]);
  });
});
