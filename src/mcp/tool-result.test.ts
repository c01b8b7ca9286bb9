import { describe, expect, it } from "vitest";
import { MAX_RESULT_DEPTH, nestedDeeperThan, toolResultProblem } from "./tool-result.js";

function nested(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe("result depth", () => {
  it("accepts a result nested exactly to the limit and refuses one level more", () => {
    expect(nestedDeeperThan(nested(MAX_RESULT_DEPTH), MAX_RESULT_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_RESULT_DEPTH + 1), MAX_RESULT_DEPTH)).toBe(true);
  });

  it("walks a result far deeper than the stack allows without overflowing", () => {
    expect(nestedDeeperThan(JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`), MAX_RESULT_DEPTH)).toBe(true);
  });
});

describe("tool result shape", () => {
  it("passes the results MCP defines, a missing content read as none", () => {
    const blocks = [
      { type: "text", text: "hi" },
      { type: "image", data: "AAAA", mimeType: "image/png" },
      { type: "audio", data: "AAAA", mimeType: "audio/wav" },
      { type: "resource_link", uri: "file:///a", name: "a" },
      { type: "resource", resource: { uri: "file:///a", text: "x" } },
    ];
    expect(toolResultProblem({ content: blocks, isError: false, structuredContent: { n: 1 }, _meta: {} })).toBeNull();
    expect(toolResultProblem({})).toBeNull();
  });

  it("names what is wrong with a result it will not pass on", () => {
    expect(toolResultProblem("text")).toBe("a result that is not an object");
    expect(toolResultProblem([])).toBe("a result that is not an object");
    expect(toolResultProblem({ content: {} })).toBe("a result whose content is not a list");
    expect(toolResultProblem({ content: [null] })).toBe("a result whose content[0] has no type");
    expect(toolResultProblem({ content: [{ type: "text", text: "a" }, { type: "image", data: "x" }] })).toBe("a result whose content[1].mimeType is not a string");
    expect(toolResultProblem({ content: [{ type: "resource", resource: "file:///a" }] })).toBe("a result whose content[0].resource has no uri");
    expect(toolResultProblem({ content: [{ type: "x".repeat(100) }] })).toBe(`a result whose content[0] is of an unknown type "${"x".repeat(40)}"`);
    expect(toolResultProblem({ content: [], isError: "yes" })).toBe("a result whose isError is not true or false");
    expect(toolResultProblem({ content: [], structuredContent: [1] })).toBe("a result whose structuredContent is not an object");
    expect(toolResultProblem({ content: [], structuredContent: nested(MAX_RESULT_DEPTH + 1) })).toBe(`a result nested deeper than ${MAX_RESULT_DEPTH} levels`);
  });
});
