import { readFileSync } from "node:fs";
import type { Tool } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { buildToolIndex, createToolSearch, toolWords } from "./tool-search.js";

/** The tools of the four starter servers as they list them, under their gateway names. */
const STARTER_TOOLS: Tool[] = Object.entries(
  JSON.parse(readFileSync(new URL("../../test/fixtures/starter-tools.json", import.meta.url), "utf8")) as Record<string, Tool[]>,
).flatMap(([serverId, tools]) => tools.map((tool) => ({ ...tool, name: `${serverId}__${tool.name}` })));

const index = buildToolIndex(STARTER_TOOLS);
const top = (query: string, limit = 3) => index.search(query, limit).map((hit) => hit.tool.name);

describe("tool search", () => {
  it("splits names at separators and camelCase humps", () => {
    expect(toolWords("filesystem__read_text_file")).toEqual(["filesystem", "read", "text", "file"]);
    expect(toolWords("nextThoughtNeeded")).toEqual(["next", "thought", "needed"]);
    expect(toolWords("get-resource-links")).toEqual(["get", "resource", "link"]);
  });

  it("ranks the filesystem's read tools first for reading a file", () => {
    expect(top("read a file", 2).sort()).toEqual(["filesystem__read_file", "filesystem__read_text_file"]);
  });

  it("finds the tool a task describes among the starter servers' tools", () => {
    expect(top("list directory contents")[0]).toBe("filesystem__list_directory");
    expect(top("move or rename a file")[0]).toBe("filesystem__move_file");
    expect(top("delete entities from the knowledge graph")[0]).toBe("memory__delete_entities");
    expect(top("search nodes in the graph")[0]).toBe("memory__search_nodes");
    expect(top("add two numbers")[0]).toBe("everything__get-sum");
    expect(top("echo a message")[0]).toBe("everything__echo");
    expect(top("compress with gzip")[0]).toBe("everything__gzip-file-as-resource");
    expect(top("reflective problem solving thoughts")[0]).toBe("sequential-thinking__sequentialthinking");
  });

  it("matches parameter names, camelCase split, and word beginnings", () => {
    expect(top("next thought needed")[0]).toBe("sequential-thinking__sequentialthinking");
    expect(top("exclude patterns")).toEqual(expect.arrayContaining(["filesystem__directory_tree", "filesystem__search_files"]));
    expect(top("dir tree")[0]).toBe("filesystem__directory_tree");
    expect(top("renam")[0]).toBe("filesystem__move_file");
  });

  it("returns the whole definition with a score, best first, at most the limit", () => {
    const hits = index.search("file", 4);
    expect(hits).toHaveLength(4);
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    expect(hits[0]!.tool.inputSchema).toMatchObject({ type: "object" });
  });

  it("finds nothing for words no tool has", () => {
    expect(index.search("xylophone quartet", 5)).toEqual([]);
    expect(index.search("  the  ", 5)).toEqual([]);
  });

  it("builds an index once per key and again when the key changes", () => {
    const search = createToolSearch();
    let builds = 0;
    let key = "1";
    const visible = {
      list: () => {
        builds += 1;
        return STARTER_TOOLS;
      },
      key: () => key,
    };
    search.search(visible, "read a file", 3);
    search.search(visible, "echo", 3);
    expect(builds).toBe(1);
    key = "2";
    expect(search.search(visible, "echo", 1)[0]!.tool.name).toBe("everything__echo");
    expect(builds).toBe(2);
  });
});
