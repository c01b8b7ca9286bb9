import { describe, expect, it } from "vitest";
import { SERVER_ID_PATTERN } from "../core/ids.js";
import { idFitsSeparator, MAX_TOOL_NAME_LENGTH, namespacedName, splitName } from "./names.js";

describe("gateway names", () => {
  it("joins a server id and a name with the separator and splits them back", () => {
    expect(namespacedName("fs", "read_file", "__")).toBe("fs__read_file");
    expect(splitName("fs__read_file", "__")).toEqual({ serverId: "fs", name: "read_file" });
    expect(splitName("fs__a__b", "__")).toEqual({ serverId: "fs", name: "a__b" });
    expect(splitName("plain", "__")).toBeUndefined();
  });

  it("leaves out a name that is too long or not a valid MCP tool name", () => {
    expect(namespacedName("fs", "x".repeat(MAX_TOOL_NAME_LENGTH - 4), "__")).toHaveLength(MAX_TOOL_NAME_LENGTH);
    expect(namespacedName("fs", "x".repeat(MAX_TOOL_NAME_LENGTH - 3), "__")).toBeUndefined();
    expect(namespacedName("fs", "read file", "__")).toBeUndefined();
  });

  it("refuses the ids that would make a split ambiguous", () => {
    expect(idFitsSeparator("fs", "__")).toBe(true);
    expect(idFitsSeparator("a__b", "__")).toBe(false);
    expect(idFitsSeparator("a_", "__")).toBe(false);
    expect(idFitsSeparator("a.b", ".")).toBe(false);
  });

  it("never gives two (server, name) pairs the same name", () => {
    // Every id and name over a small alphabet rich in separator characters.
    const parts = ["a", "_", "a_", "_a", "a__", "__a", "a_b", "a__b", "."];
    for (const separator of ["__", "_", ".", "--"]) {
      const seen = new Map<string, string>();
      for (const id of parts.map((part) => `s${part}`).filter((id) => SERVER_ID_PATTERN.test(id) && idFitsSeparator(id, separator))) {
        for (const name of parts) {
          const full = namespacedName(id, name, separator);
          if (!full) continue;
          const pair = `${id} ${name}`;
          expect(seen.get(full) ?? pair, `${full} with separator ${separator}`).toBe(pair);
          seen.set(full, pair);
          expect(splitName(full, separator)).toEqual({ serverId: id, name });
        }
      }
    }
  });
});
