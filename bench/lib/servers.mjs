// The four official MCP servers, launched as `node <bin js>` (no npx), resolved from their package.json.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The bin script of an installed package, from its package.json. */
export function binOf(pkg) {
  const pjPath = require.resolve(`${pkg}/package.json`);
  const pj = JSON.parse(fs.readFileSync(pjPath, "utf8"));
  const rel = typeof pj.bin === "string" ? pj.bin : Object.values(pj.bin)[0];
  return path.join(path.dirname(pjPath), rel);
}

/**
 * [{ name, command, args, env }] for one run.
 * @param {string} dir a temp folder owned by this run: filesystem root and memory file live in it.
 */
export function officialServers(dir) {
  const fsRoot = path.join(dir, "fs-root");
  fs.mkdirSync(fsRoot, { recursive: true });
  fs.writeFileSync(path.join(fsRoot, "hello.txt"), "hello\n");
  const memoryFile = path.join(dir, "memory.jsonl");
  return [
    { name: "everything", command: process.execPath, args: [binOf("@modelcontextprotocol/server-everything"), "stdio"], env: {} },
    { name: "filesystem", command: process.execPath, args: [binOf("@modelcontextprotocol/server-filesystem"), fsRoot], env: {} },
    { name: "memory", command: process.execPath, args: [binOf("@modelcontextprotocol/server-memory")], env: { MEMORY_FILE_PATH: memoryFile } },
    { name: "sequential-thinking", command: process.execPath, args: [binOf("@modelcontextprotocol/server-sequential-thinking")], env: {} },
  ];
}
