/**
 * What a server's answer to tools/call must be before the daemon passes it on. The SDK client is
 * asked for the raw result (connection.ts: its own schema check of every result cost a tenth of
 * the daemon's CPU per call), so the checks are here, once, by hand: the shape of a
 * CallToolResult as the MCP specification gives it (what the SDK's schema refused is refused
 * here too), and a bound on nesting.
 */

/**
 * How deep a tool result from a server may nest. Results are JSON from a process we do not
 * control; one nested 100,000 levels deep parses (JSON.parse does not recurse) but overflows the
 * stack of everything that walks it afterwards — the HTTP serialiser answered 500 and the call
 * counted as a success. Real results nest a few dozen levels at most.
 */
export const MAX_RESULT_DEPTH = 200;

/** A test of one field, and what it says the field must be when the value fails it. */
interface FieldRule {
  holds: (value: unknown) => boolean;
  must: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const optional = (holds: (value: unknown) => boolean) => (value: unknown) => value === undefined || holds(value);

function isBase64(value: unknown): boolean {
  if (!isString(value)) return false;
  try {
    atob(value);
    return true;
  } catch {
    return false;
  }
}

const ROLES = new Set(["user", "assistant"]);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const isAnnotations = (value: unknown): boolean =>
  isObject(value) &&
  optional((audience) => Array.isArray(audience) && audience.every((role) => ROLES.has(role as string)))(value.audience) &&
  optional((priority) => typeof priority === "number" && priority >= 0 && priority <= 1)(value.priority) &&
  optional((at) => isString(at) && DATE_TIME.test(at))(value.lastModified);
const isIcon = (icon: unknown): boolean =>
  isObject(icon) &&
  isString(icon.src) &&
  optional(isString)(icon.mimeType) &&
  optional((sizes) => Array.isArray(sizes) && sizes.every(isString))(icon.sizes) &&
  optional((theme) => theme === "light" || theme === "dark")(icon.theme);
const isResourceContents = (value: unknown): boolean =>
  isObject(value) && isString(value.uri) && optional(isString)(value.mimeType) && optional(isObject)(value._meta) && (isString(value.text) || isBase64(value.blob));

const STRING: FieldRule = { holds: isString, must: "a string" };
const OPTIONAL_STRING: FieldRule = { holds: optional(isString), must: "a string" };
const BASE64: FieldRule = { holds: isBase64, must: "base64 text" };
/** The fields every content block may carry. */
const COMMON_FIELDS: Record<string, FieldRule> = {
  annotations: { holds: optional(isAnnotations), must: "annotations as MCP has them (audience user/assistant, priority 0 to 1, lastModified an ISO time)" },
  _meta: { holds: optional(isObject), must: "an object" },
};

/** The content block types of a CallToolResult and the fields each must carry, as the MCP specification gives them. */
const OWN_FIELDS: [string, Record<string, FieldRule>][] = [
  ["text", { text: STRING }],
  ["image", { data: BASE64, mimeType: STRING }],
  ["audio", { data: BASE64, mimeType: STRING }],
  ["resource", { resource: { holds: isResourceContents, must: "a resource with a uri and its text or base64 blob" } }],
  [
    "resource_link",
    {
      uri: STRING,
      name: STRING,
      title: OPTIONAL_STRING,
      description: OPTIONAL_STRING,
      mimeType: OPTIONAL_STRING,
      size: { holds: optional((size) => typeof size === "number"), must: "a number" },
      icons: { holds: optional((icons) => Array.isArray(icons) && icons.every(isIcon)), must: "a list of icons" },
    },
  ],
];
/** Each type's rules with the common ones, as a list made once. */
const BLOCK_FIELDS = new Map(OWN_FIELDS.map(([type, fields]) => [type, Object.entries({ ...fields, ...COMMON_FIELDS })]));

/** A tools/call result as the daemon passes it on. */
export interface ToolResult {
  content: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
}

/**
 * Why `value` is not a tools/call result the daemon passes on, as the end of "answered <tool>
 * with …", or null when it is one. In the modern protocol era (2026-07-28) structuredContent may
 * be any JSON value; before it, an object.
 */
export function toolResultProblem(value: unknown, options: { anyStructuredContent?: boolean } = {}): string | null {
  if (!isObject(value)) return "a result that is not an object";
  const { content, isError, structuredContent } = value;
  if (content === undefined) return "a result without content";
  if (!Array.isArray(content)) return "a result whose content is not a list";
  for (const [i, block] of content.entries()) {
    if (!isObject(block) || !isString(block.type)) return `a result whose content[${i}] has no type`;
    const fields = BLOCK_FIELDS.get(block.type);
    if (fields === undefined) return `a result whose content[${i}] is of an unknown type "${block.type.slice(0, 40)}"`;
    for (const [field, rule] of fields) {
      if (!rule.holds(block[field])) return `a result whose content[${i}].${field} is not ${rule.must}`;
    }
  }
  if (isError !== undefined && typeof isError !== "boolean") return "a result whose isError is not true or false";
  if (structuredContent !== undefined && !options.anyStructuredContent && !isObject(structuredContent)) {
    return "a result whose structuredContent is not an object";
  }
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
