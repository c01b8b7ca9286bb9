import type { Tool } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { GatewayProfileSchema } from "../config/gateway-profiles-schema.js";
import { AppError } from "../core/errors.js";
import type { Catalog } from "./catalog.js";
import { createView, globToRegExp } from "./profile-view.js";

const tool = (name: string): Tool => ({ name, description: `${name} does it`, inputSchema: { type: "object" } });

/** A catalog over fixed lists: what the running servers would serve. */
function catalogOf(names: string[]): Catalog {
  return {
    tools: () => names.map(tool),
    prompts: () => [],
    resources: () => [],
    resourceTemplates: async () => [],
    tool: (name) => ({ serverId: name.split("__")[0]!, name: name.split("__")[1]! }),
    prompt: (name) => ({ serverId: name.split("__")[0]!, name: name.split("__")[1]! }),
    resourceOwner: async () => {
      throw new AppError("NOT_FOUND", "none");
    },
    forgetTemplates: () => undefined,
    changed: () => undefined,
  };
}

const NAMES = ["fs__read_file", "fs__read_dir", "fs__delete_file", "web__get", "web__set"];

function view(profile: unknown, labels: Record<string, string[]> = {}) {
  return createView("p", GatewayProfileSchema.parse(profile), {
    catalog: catalogOf(NAMES),
    separator: "__",
    overrides: {},
    serverLabels: () => new Map(Object.entries(labels)),
  });
}

const names = (profile: unknown, labels?: Record<string, string[]>) => view(profile, labels).tools().map((item) => item.name);

describe("profile views", () => {
  it("matches globs on whole gateway names: * any run, ? one character, the rest literally", () => {
    expect(globToRegExp("fs__read_*").test("fs__read_file")).toBe(true);
    expect(globToRegExp("fs__read_*").test("xfs__read_file")).toBe(false);
    expect(globToRegExp("web__?et").test("web__get")).toBe(true);
    expect(globToRegExp("web__?et").test("web__reset")).toBe(false);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });

  it("selects tools by server, tag, include and exclude globs", () => {
    expect(names({ servers: ["fs"] })).toEqual(["fs__read_file", "fs__read_dir", "fs__delete_file"]);
    expect(names({ tags: ["net"] }, { web: ["net"], fs: ["disk"] })).toEqual(["web__get", "web__set"]);
    expect(names({ tools: ["*__read_*", "web__?et"], exclude_tools: ["*_dir"] })).toEqual(["fs__read_file", "web__get", "web__set"]);
  });

  it("in search mode lists none of the servers' tools and offers only the gateway's search and call, which work over its selection", () => {
    const searching = view({ mode: "search", servers: ["fs"] });
    expect(searching.tools()).toEqual([]);
    expect(searching.searchable().map((item) => item.name)).toEqual(["fs__read_file", "fs__read_dir", "fs__delete_file"]);
    expect(["pygent__search_tools", "pygent__call_tool", "pygent__list_servers"].map((name) => searching.offersOwn(name))).toEqual([true, true, false]);
    expect(searching.tool("fs__read_file")).toEqual({ serverId: "fs", name: "read_file" });
    expect(() => searching.tool("web__get")).toThrow('no tool is named "web__get" in profile "p"');
    expect(view({ servers: ["fs"] }).offersOwn("pygent__search_tools")).toBe(false);
  });
});
