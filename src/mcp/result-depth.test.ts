import { describe, expect, it } from "vitest";
import { MAX_RESULT_DEPTH, nestedDeeperThan } from "./result-depth.js";

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
