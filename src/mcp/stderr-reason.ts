/**
 * The line of a server's last stderr output that says why it died. The last line is often not
 * it: an uncaught Node error ends with a stack and the footer `Node.js v20.20.2`, a missing
 * module with a `{ code: ... }` dump; Python ends with the error itself, after its traceback.
 */

/** How many of the last stderr lines to keep for finding the reason: a Node stack is ~10 lines. */
export const STDERR_TAIL_LINES = 40;

/** `Error: boom`, `TypeError [ERR_X]: ...`, `ValueError: bad`, `java.lang.IllegalStateException: ...`. */
const HEADLINE = /^\s*(?:Uncaught\s+)?(?:[\w$]+\.)*[\w$]*(?:Error|Exception)(?:\s*\[[^\]]*\])?:\s*\S/;

/** Lines that never explain anything on their own. */
const NOISE = [
  /^\s*$/,
  /^Node\.js v\d+/, // the footer of an uncaught error
  /^\s+at\s/, // stack frames
  /^\s*\^+\s*$/, // the caret under the throwing line
  /^\s*\.\.\. \d+ lines? matching/,
  /^\s*[{}]\s*$/,
  /^\s+[\w$]+: .*,?$/, // a property of an error object dump: `  code: 'ERR_MODULE_NOT_FOUND',`
  /^\s*Traceback \(most recent call last\):/,
];

/** The most telling of the lines, or undefined when none says anything. */
export function meaningfulStderrLine(tail: readonly string[]): string | undefined {
  for (let i = tail.length - 1; i >= 0; i -= 1) {
    const line = tail[i]!;
    if (HEADLINE.test(line)) return line.trim();
  }
  for (let i = tail.length - 1; i >= 0; i -= 1) {
    const line = tail[i]!;
    if (!NOISE.some((pattern) => pattern.test(line))) return line.trim();
  }
  return undefined;
}
