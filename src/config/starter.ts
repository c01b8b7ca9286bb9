/**
 * The config a new user starts with: the four official MCP servers installed as the product's
 * dependencies, run with this Node directly (no npx), the filesystem server rooted at a
 * workspace folder inside the data directory.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { packageBin } from "./package-bin.js";
import type { ServerConfigInput } from "./schema.js";

export function starterServers(dataDir: string): ServerConfigInput[] {
  const workspace = resolve(dataDir, "workspace");
  mkdirSync(workspace, { recursive: true });
  const node = process.execPath;
  return [
    {
      id: "everything",
      name: "Everything (MCP reference server)",
      command: [node, packageBin("@modelcontextprotocol/server-everything"), "stdio"],
      category: "development",
      description: "Exercises every MCP feature: tools, resources, prompts, sampling, logging.",
      health_check_interval: 30,
      auto_restart: true,
    },
    {
      id: "filesystem",
      name: "Filesystem",
      command: [node, packageBin("@modelcontextprotocol/server-filesystem"), workspace],
      category: "filesystem",
      description: `Secure file operations inside ${workspace}.`,
      health_check_interval: 30,
      auto_restart: true,
    },
    {
      id: "memory",
      name: "Memory",
      command: [node, packageBin("@modelcontextprotocol/server-memory")],
      env: { MEMORY_FILE_PATH: resolve(dataDir, "memory.jsonl") },
      category: "knowledge",
      description: "A persistent knowledge graph: entities, relations and observations.",
      health_check_interval: 30,
      auto_restart: true,
    },
    {
      id: "sequential-thinking",
      name: "Sequential Thinking",
      command: [node, packageBin("@modelcontextprotocol/server-sequential-thinking")],
      category: "reasoning",
      description: "Step-by-step reasoning chains that can branch and revise.",
      health_check_interval: 30,
      auto_restart: true,
    },
  ];
}
