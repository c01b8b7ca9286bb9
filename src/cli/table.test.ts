/** Plain-text tables: widths, truncation, alignment, and colour only when asked for. */
import { describe, expect, it } from "vitest";
import { cellText, colourEnabled, formatTable, painter, statusStyle, truncate } from "./table.js";

interface Row {
  id: string;
  state: string;
  pid: number | null;
  reason: string | null;
}

const rows: Row[] = [
  { id: "filesystem", state: "running", pid: 4242, reason: null },
  { id: "mem", state: "crash_loop", pid: null, reason: "exited with code 1 five times in 300 s" },
];

const columns = [
  { header: "id", value: (r: Row) => r.id },
  { header: "state", value: (r: Row) => r.state },
  { header: "pid", value: (r: Row) => r.pid, align: "right" as const },
  { header: "reason", value: (r: Row) => r.reason, max: 20 },
];

describe("formatTable", () => {
  it("pads every column to its widest cell and upper-cases the headers", () => {
    expect(formatTable(rows, columns)).toBe(
      [
        "ID          STATE        PID  REASON",
        "filesystem  running     4242  -",
        "mem         crash_loop     -  exited with code 1 …",
      ].join("\n"),
    );
  });

  it("leaves no trailing spaces and prints a header for no rows", () => {
    const text = formatTable([], columns);
    expect(text).toBe("ID  STATE  PID  REASON");
    for (const line of formatTable(rows, columns).split("\n")) expect(line).toBe(line.trimEnd());
  });

  it("keeps a cell on one line", () => {
    expect(cellText("line one\nline two\ttab")).toBe("line one line two tab");
    expect(cellText(null)).toBe("-");
    expect(cellText("")).toBe("-");
    expect(cellText(0)).toBe("0");
  });

  it("truncates long cells with an ellipsis at the limit", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abcd", 4)).toBe("abcd");
    expect(truncate("abcdef", 1)).toBe("…");
    const long = formatTable([{ id: "x".repeat(100), state: "", pid: null, reason: null }], columns.slice(0, 1));
    expect(long.split("\n")[1]).toHaveLength(60);
  });

  it("colours after padding, so escape codes do not shift the columns", () => {
    const paint = painter(true);
    const coloured = formatTable(rows, [columns[0]!, { ...columns[1]!, style: statusStyle(paint) }, columns[2]!]);
    const plain = formatTable(rows, [columns[0]!, columns[1]!, columns[2]!]);
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(plain);
    expect(coloured).toContain("\u001b[32mrunning   \u001b[39m");
    expect(coloured).toContain("\u001b[31mcrash_loop\u001b[39m");
  });
});

describe("colourEnabled", () => {
  it("is off when the stream is not a terminal", () => {
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
  });

  it("is on for a terminal unless NO_COLOR is set or TERM is dumb", () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });

  it("can be forced for a pipe with FORCE_COLOR, but NO_COLOR still wins", () => {
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });

  it("a disabled painter returns the text unchanged", () => {
    expect(painter(false)("text", "red")).toBe("text");
  });
});
