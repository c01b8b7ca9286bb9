import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeJson } from "./terminal-text.js";

describe("terminal-safe text", () => {
  it("shows escape sequences, C1 controls and bidi overrides as visible escapes", () => {
    expect(terminalSafe("\u001b[2Jcleared")).toBe("\\x1b[2Jcleared");
    expect(terminalSafe("a\u009b6nb")).toBe("a\\x9b6nb");
    expect(terminalSafe("invoice\u202Eexe.pdf")).toBe("invoice\\u202eexe.pdf");
    expect(terminalSafe("zero\u200bwidth\u2066iso\u2069")).toBe("zero\\u200bwidth\\u2066iso\\u2069");
    expect(terminalSafe("bell\u0007 del\u007f")).toBe("bell\\x07 del\\x7f");
  });

  it("shows the tag characters that spell hidden ASCII, and invisible operators", () => {
    expect(terminalSafe("ok\u{E0041}\u{E0042}")).toBe("ok\\u{e0041}\\u{e0042}");
    expect(terminalSafe("a\u2062b")).toBe("a\\u2062b");
    const value = { text: "ok\u{E0041}" };
    expect(terminalSafeJson(value)).not.toMatch(/[\u{E0000}-\u{E007F}]/u);
    expect(JSON.parse(terminalSafeJson(value))).toEqual(value);
  });

  it("leaves ordinary text alone, tabs, newlines and other scripts included", () => {
    const text = "ok\tready\nnext line: ünïcödé, 日本語, עברית, emoji 🚀";
    expect(terminalSafe(text)).toBe(text);
  });

  it("writes JSON that parses back to the same value with nothing raw left in it", () => {
    const value = { line: "\u001b[31mred\u001b[0m \u202Eevil \u0085next" };
    const text = terminalSafeJson(value);
    expect(text).not.toMatch(/[\u001b\u202e\u0085]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
