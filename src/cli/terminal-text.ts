/**
 * Text from servers, registries and the daemon made safe to print on an operator's terminal. A
 * server's stderr or a catalog description can carry escape sequences (clear the screen, move
 * the cursor, set the window title, colour) or bidirectional overrides that make a line read
 * differently from what it holds; shown as visible escapes instead, they cannot act.
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls, and the invisible characters that reorder
 * or hide text: Arabic letter mark, zero-width and directional marks, bidi embeddings, overrides
 * and isolates, invisible operators, the byte-order mark, and the tag characters (U+E0000-E007F),
 * which spell ASCII no terminal shows.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\u{E0000}-\u{E007F}]/gu;

function visible(char: string): string {
  const code = char.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\u{${code.toString(16)}}`;
}

/** Each UTF-16 unit as `\uNNNN`, as JSON writes a character outside the basic plane. */
const jsonEscape = (char: string): string =>
  Array.from({ length: char.length }, (_, index) => `\\u${char.charCodeAt(index).toString(16).padStart(4, "0")}`).join("");

/** The text with every unsafe character shown as `\xNN` or `\uNNNN`. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * JSON for a terminal or a pipe. JSON.stringify escapes C0 controls itself but leaves C1 controls
 * and bidi characters raw; written as `\uNNNN` escapes the document parses to the same value.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE, jsonEscape);
}
