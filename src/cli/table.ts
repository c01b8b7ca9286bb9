/**
 * Plain-text tables and colour for the CLI. Widths are computed on the plain text and colour is
 * applied after padding, so escape codes never skew the columns; colour is off when the stream is
 * not a terminal or NO_COLOR is set (https://no-color.org).
 */
import { terminalSafe } from "./terminal-text.js";

export interface Column<Row> {
  header: string;
  /** The cell's plain text; null and undefined print as "-". */
  value: (row: Row) => string | number | null | undefined;
  /** Longer cells are cut to this many characters, ending in "…". */
  max?: number;
  align?: "left" | "right";
  /** Colours the padded cell; receives the plain value so it can choose by content. */
  style?: (padded: string, plain: string) => string;
}

export interface TableOptions {
  /** Characters between columns. */
  gap?: number;
}

const DEFAULT_MAX = 60;

/** One cell as a single line (newlines and tabs would break the grid), safe for a terminal. */
export function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  return terminalSafe(String(value).replace(/\s*[\r\n\t]+\s*/g, " ").trim()) || "-";
}

export function truncate(text: string, max: number): string {
  if (max <= 0) return "";
  if (text.length <= max) return text;
  if (max === 1) return "…";
  return `${text.slice(0, max - 1)}…`;
}

/** Formats rows under a header line; returns the lines without a trailing newline. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], options: TableOptions = {}): string {
  const gap = " ".repeat(options.gap ?? 2);
  const cells = rows.map((row) => columns.map((column) => truncate(cellText(column.value(row)), column.max ?? DEFAULT_MAX)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]?.length ?? 0)),
  );
  const pad = (text: string, index: number): string => {
    const width = widths[index] ?? text.length;
    return columns[index]?.align === "right" ? text.padStart(width) : text.padEnd(width);
  };
  // The last column is not padded so lines carry no trailing spaces.
  const join = (parts: string[]): string => parts.join(gap).trimEnd();
  const header = join(columns.map((column, index) => pad(column.header.toUpperCase(), index)));
  const body = cells.map((line) =>
    join(
      line.map((text, index) => {
        const padded = pad(text, index);
        const style = columns[index]?.style;
        return style ? style(padded, text) : padded;
      }),
    ),
  );
  return [header, ...body].join("\n");
}

export type Colour = "red" | "green" | "yellow" | "grey" | "bold";

const CODES: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  grey: [90, 39],
  bold: [1, 22],
};

/** Whether to colour output written to this stream. */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

export type Painter = (text: string, colour: Colour) => string;

export function painter(enabled: boolean): Painter {
  if (!enabled) return (text) => text;
  return (text, colour) => {
    const [open, close] = CODES[colour];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

/** The colour for a health status or a server state. */
export function statusColour(status: string): Colour | undefined {
  switch (status) {
    case "healthy":
    case "running":
    case "OK":
      return "green";
    case "warning":
    case "starting":
    case "stopping":
    case "backoff":
    case "unknown":
      return "yellow";
    case "critical":
    case "offline":
    case "failed":
    case "crash_loop":
    case "FAILED":
      return "red";
    case "stopped":
      return "grey";
    default:
      return undefined;
  }
}

/** A Column.style that colours a status cell by its value. */
export function statusStyle(paint: Painter): (padded: string, plain: string) => string {
  return (padded, plain) => {
    const colour = statusColour(plain);
    return colour ? paint(padded, colour) : padded;
  };
}

/** An instant as ISO 8601 to the second (`2026-01-01T12:00:00Z`); null stays null. */
export function formatInstant(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}
