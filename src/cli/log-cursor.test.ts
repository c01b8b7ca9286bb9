/** `servers logs --follow`: each poll prints only lines not printed before, even at the same millisecond. */
import { describe, expect, it } from "vitest";
import type { LogLine } from "../mcp/index.js";
import { START_CURSOR, linesAfter } from "./log-cursor.js";

const line = (at: number, text: string): LogLine => ({ stream: "stderr", line: text, at });

describe("linesAfter", () => {
  it("returns everything from the start cursor", () => {
    const first = [line(1, "a"), line(2, "b"), line(2, "c")];
    const result = linesAfter(first, START_CURSOR);
    expect(result.lines.map((l) => l.line)).toEqual(["a", "b", "c"]);
    expect(result.cursor).toEqual({ at: 2, seenAtLast: 2 });
  });

  it("skips lines already printed, including ones sharing the last timestamp", () => {
    const cursor = { at: 2, seenAtLast: 2 };
    const poll = [line(1, "a"), line(2, "b"), line(2, "c"), line(2, "d"), line(3, "e")];
    const result = linesAfter(poll, cursor);
    expect(result.lines.map((l) => l.line)).toEqual(["d", "e"]);
    expect(result.cursor).toEqual({ at: 3, seenAtLast: 1 });
  });

  it("counts on from the old cursor when new lines arrive at the same millisecond", () => {
    const result = linesAfter([line(2, "b"), line(2, "c"), line(2, "d")], { at: 2, seenAtLast: 2 });
    expect(result.lines.map((l) => l.line)).toEqual(["d"]);
    expect(result.cursor).toEqual({ at: 2, seenAtLast: 3 });
  });

  it("keeps the cursor when nothing is new", () => {
    const cursor = { at: 5, seenAtLast: 1 };
    expect(linesAfter([line(4, "x"), line(5, "y")], cursor)).toEqual({ lines: [], cursor });
  });
});
