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
  it("passes the results MCP defines", () => {
    const blocks = [
      { type: "text", text: "hi", annotations: { audience: ["user"], priority: 0.5, lastModified: "2026-12-02T10:00:00Z" }, _meta: {} },
      { type: "image", data: "AAAA", mimeType: "image/png" },
      { type: "audio", data: "AAAA", mimeType: "audio/wav" },
      { type: "resource_link", uri: "file:///a", name: "a", size: 3, icons: [{ src: "https://x/i.png", theme: "dark" }] },
      { type: "resource", resource: { uri: "file:///a", text: "x" } },
      { type: "resource", resource: { uri: "file:///b", blob: "AAAA", mimeType: "image/png" } },
    ];
    expect(toolResultProblem({ content: blocks, isError: false, structuredContent: { n: 1 }, _meta: {} })).toBeNull();
    expect(toolResultProblem({ content: [] })).toBeNull();
  });

  it("names what is wrong with a result it will not pass on", () => {
    const one = (block: unknown) => toolResultProblem({ content: [{ type: "text", text: "a" }, block] });
    expect(toolResultProblem("text")).toBe("a result that is not an object");
    expect(toolResultProblem([])).toBe("a result that is not an object");
    expect(toolResultProblem({ task: { taskId: "t" } })).toBe("a result without content");
    expect(toolResultProblem({ content: {} })).toBe("a result whose content is not a list");
    expect(one(null)).toBe("a result whose content[1] has no type");
    expect(one({ type: "image", data: "AAAA" })).toBe("a result whose content[1].mimeType is not a string");
    expect(one({ type: "image", data: "not base64!!", mimeType: "image/png" })).toBe("a result whose content[1].data is not base64 text");
    expect(one({ type: "resource", resource: { uri: "file:///a" } })).toBe(
      "a result whose content[1].resource is not a resource with a uri and its text or base64 blob",
    );
    expect(one({ type: "resource_link", uri: "file:///a", name: "a", size: "big" })).toBe("a result whose content[1].size is not a number");
    expect(one({ type: "text", text: "a", annotations: { priority: 7 } })).toMatch(/^a result whose content\[1\]\.annotations is not annotations as MCP has them/);
    expect(one({ type: "x".repeat(100) })).toBe(`a result whose content[1] is of an unknown type "${"x".repeat(40)}"`);
    // Names of an object's own built-in properties are no content types either.
    for (const type of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(one({ type })).toBe(`a result whose content[1] is of an unknown type "${type}"`);
    }
    expect(toolResultProblem({ content: [], isError: "yes" })).toBe("a result whose isError is not true or false");
    expect(toolResultProblem({ content: [], structuredContent: [1] })).toBe("a result whose structuredContent is not an object");
    expect(toolResultProblem({ content: [], structuredContent: nested(MAX_RESULT_DEPTH + 1) })).toBe(`a result nested deeper than ${MAX_RESULT_DEPTH} levels`);
  });

  it("takes any JSON value as structuredContent in the modern protocol era", () => {
    expect(toolResultProblem({ content: [], structuredContent: [1, 2] }, { anyStructuredContent: true })).toBeNull();
  });
});
