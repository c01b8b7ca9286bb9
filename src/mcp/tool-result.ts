/**
 * What a server's answer to tools/call must be before the daemon passes it on. The SDK client is
 * asked for the raw result (connection.ts: its own schema check of every result cost a tenth of
 * the daemon's CPU per call), so the checks are here, once, by hand: the shape of a
 * CallToolResult as the MCP specification gives it, and a bound on nesting.
 */

/**
 * How deep a tool result from a server may nest. Results are JSON from a process we do not
 * control; one nested 100,000 levels deep parses (JSON.parse does not recurse) but overflows the
 * stack of everything that walks it afterwards — the HTTP serialiser answered 500 and the call
 * counted as a success. Real results nest a few dozen levels at most.
 */
export const MAX_RESULT_DEPTH = 200;

/** The fields each content block type must carry as strings (`resource` carries an object). */
const CONTENT_STRINGS: Record<string, readonly string[]> = {
  text: ["text"],
  image: ["data", "mimeType"],
  audio: ["data", "mimeType"],
  resource_link: ["uri", "name"],
  resource: [],
};

/** A tools/call result as the daemon passes it on. */
export interface ToolResult {
  content?: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Why `value` is not a tools/call result the daemon passes on, as the end of "answered <tool>
 * with …", or null when it is one. A missing `content` is an empty one (as the SDK reads it).
 */
export function toolResultProblem(value: unknown): string | null {
  if (!isObject(value)) return "a result that is not an object";
  const { content, isError, structuredContent } = value;
  if (content !== undefined && !Array.isArray(content)) return "a result whose content is not a list";
  for (const [i, block] of (content ?? []).entries()) {
    if (!isObject(block) || typeof block.type !== "string") return `a result whose content[${i}] has no type`;
    const strings = CONTENT_STRINGS[block.type];
    if (strings === undefined) return `a result whose content[${i}] is of an unknown type "${block.type.slice(0, 40)}"`;
    const missing = strings.find((field) => typeof block[field] !== "string");
    if (missing !== undefined) return `a result whose content[${i}].${missing} is not a string`;
    if (block.type === "resource" && (!isObject(block.resource) || typeof block.resource.uri !== "string")) {
      return `a result whose content[${i}].resource has no uri`;
    }
  }
  if (isError !== undefined && typeof isError !== "boolean") return "a result whose isError is not true or false";
  if (structuredContent !== undefined && !isObject(structuredContent)) return "a result whose structuredContent is not an object";
  if (nestedDeeperThan(value, MAX_RESULT_DEPTH)) return `a result nested deeper than ${MAX_RESULT_DEPTH} levels`;
  return null;
}

/** True when arrays and objects inside `value` nest more than `max` levels. Iterative, so the check cannot overflow itself. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
