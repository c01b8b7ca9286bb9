/**
 * A tool definition as the gateway approves it, its hash, and what a person needs to judge a
 * change: the description as a line diff and every other difference (title, schemas,
 * annotations) as a list of JSON paths with the value before and after. Pure.
 */
import { createHash } from "node:crypto";
import type { ToolSummary } from "../bus/index.js";
import { canonicalJson } from "../health/index.js";

/** The fields of a tool a client sees; a change to any of them needs a new approval. */
export type ToolDefinition = Pick<ToolSummary, "name" | "title" | "description" | "input_schema" | "output_schema" | "annotations">;

export function definitionOf(tool: ToolSummary): ToolDefinition {
  return {
    name: tool.name,
    ...(tool.title !== undefined ? { title: tool.title } : {}),
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    input_schema: tool.input_schema,
    ...(tool.output_schema !== undefined ? { output_schema: tool.output_schema } : {}),
    ...(tool.annotations !== undefined ? { annotations: tool.annotations } : {}),
  };
}

/** sha256 of the definition's canonical JSON: equal whatever the key order. */
export function definitionHash(tool: ToolSummary): string {
  return createHash("sha256").update(canonicalJson(definitionOf(tool))).digest("hex");
}

export interface DiffLine {
  /** `=` kept, `-` only in the approved definition, `+` only in the new one. */
  op: "=" | "-" | "+";
  text: string;
}

export interface SchemaChange {
  /** A JSON path into the definition, e.g. `input_schema.properties.path.description`. */
  path: string;
  change: "added" | "removed" | "changed";
  /** The values as JSON, cut to a readable length. */
  before?: string;
  after?: string;
}

export interface DefinitionDiff {
  /** The top-level fields that differ, e.g. ["description", "input_schema"]. */
  fields: string[];
  /** The description line by line, when it changed. */
  description: DiffLine[] | null;
  /** Every other difference. */
  changes: SchemaChange[];
}

/** Beyond this many line pairs the description diff is the old text removed and the new added. */
const MAX_LCS_CELLS = 1_000_000;
const MAX_VALUE_CHARS = 500;

function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length * b.length > MAX_LCS_CELLS) {
    return [...a.map((text): DiffLine => ({ op: "-", text })), ...b.map((text): DiffLine => ({ op: "+", text }))];
  }
  // Longest common subsequence, filled from the end so that the walk below goes forward.
  const lengths = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i]![j] = a[i] === b[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: "=", text: a[i]! });
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || lengths[i + 1]![j]! >= lengths[i]![j + 1]!)) {
      out.push({ op: "-", text: a[i]! });
      i += 1;
    } else {
      out.push({ op: "+", text: b[j]! });
      j += 1;
    }
  }
  return out;
}

function shown(value: unknown): string {
  const json = canonicalJson(value);
  return json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}… (${json.length} characters)` : json;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** Objects are compared key by key; arrays and scalars as whole values. */
function valueChanges(before: unknown, after: unknown, path: string, out: SchemaChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, change: "added", after: shown(after) });
  } else if (after === undefined) {
    out.push({ path, change: "removed", before: shown(before) });
  } else if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) valueChanges(before[key], after[key], `${path}.${key}`, out);
  } else if (canonicalJson(before) !== canonicalJson(after)) {
    out.push({ path, change: "changed", before: shown(before), after: shown(after) });
  }
}

const COMPARED = ["name", "title", "description", "input_schema", "output_schema", "annotations"] as const;

export function diffDefinitions(approved: ToolDefinition, current: ToolDefinition): DefinitionDiff {
  const fields = COMPARED.filter((field) => canonicalJson(approved[field]) !== canonicalJson(current[field]));
  const changes: SchemaChange[] = [];
  for (const field of fields) if (field !== "description") valueChanges(approved[field], current[field], field, changes);
  const description = fields.includes("description") ? lineDiff(approved.description ?? "", current.description ?? "") : null;
  return { fields, description, changes };
}
