// Node 20 has no `fs.globSync` (added in Node 22), and `@modelcontextprotocol/conformance` imports
// it by name, so the runner would not even load. `node --import <this file> <conformance bin>`
// registers this file as a module hook that hands every importer of `fs` a module with all of
// `node:fs` plus a `globSync` for the one shape the runner uses: `**/<file name>` under `cwd`.
import { readdirSync } from "node:fs";
import { register } from "node:module";
import { basename } from "node:path";
import { isMainThread } from "node:worker_threads";

const SHIM = "pygent-shim:fs";

if (isMainThread && !("globSync" in (await import("node:fs")))) register(import.meta.url);

export async function resolve(specifier, context, next) {
  if ((specifier === "fs" || specifier === "node:fs") && context.parentURL !== SHIM) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url !== SHIM) return next(url, context);
  const source = `import fs from "node:fs";
export * from "node:fs";
export default fs;
export { globSync } from ${JSON.stringify(import.meta.url)};`;
  return { format: "module", source, shortCircuit: true };
}

/** `globSync("**\/name", { cwd })`: the relative paths of every file called `name` under `cwd`. */
export function globSync(pattern, { cwd = process.cwd() } = {}) {
  const match = /^\*\*\/([^*?[\]{}/]+)$/.exec(pattern);
  if (!match) throw new Error(`fs.globSync shim: only "**/<file name>" patterns are supported, not ${JSON.stringify(pattern)}`);
  return readdirSync(cwd, { recursive: true, encoding: "utf8" }).filter((file) => basename(file) === match[1]);
}
