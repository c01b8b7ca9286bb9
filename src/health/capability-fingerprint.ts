/**
 * Fingerprints of what a server serves: a sha256 of each field of each tool, resource and
 * prompt, and one of the whole. Comparing two fingerprints says what was added, removed and
 * which fields of what changed, without keeping the (possibly large) schemas themselves.
 */
import { createHash } from "node:crypto";
import type { CapabilityChange, CapabilityKind, CapabilityRef, CapabilitySnapshot } from "../bus/events.js";

/** Per item ("tool:echo", "resource:echo://info", "prompt:greet"), a hash per field. */
export type CapabilityItems = Record<string, Record<string, string>>;

export interface CapabilityFingerprint {
  fingerprint: string;
  items: CapabilityItems;
}

export interface CapabilityDiff {
  added: CapabilityRef[];
  removed: CapabilityRef[];
  changed: CapabilityChange[];
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function hashFields(fields: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) out[field] = sha256(canonicalJson(value));
  return out;
}

export function fingerprintCapabilities(
  snapshot: Pick<CapabilitySnapshot, "tools" | "resources" | "prompts">,
): CapabilityFingerprint {
  const items: CapabilityItems = {};
  for (const tool of snapshot.tools) {
    items[`tool:${tool.name}`] = hashFields({
      title: tool.title,
      description: tool.description,
      input_schema: tool.input_schema,
      output_schema: tool.output_schema,
      annotations: tool.annotations,
    });
  }
  for (const resource of snapshot.resources) {
    items[`resource:${resource.uri}`] = hashFields({
      name: resource.name,
      description: resource.description,
      mime_type: resource.mime_type,
    });
  }
  for (const prompt of snapshot.prompts) {
    items[`prompt:${prompt.name}`] = hashFields({ description: prompt.description, arguments: prompt.arguments });
  }
  return { fingerprint: sha256(canonicalJson(items)), items };
}

function refOf(key: string): CapabilityRef {
  const colon = key.indexOf(":");
  return { kind: key.slice(0, colon) as CapabilityKind, name: key.slice(colon + 1) };
}

export function diffCapabilities(previous: CapabilityItems, current: CapabilityItems): CapabilityDiff {
  const added: CapabilityRef[] = [];
  const removed: CapabilityRef[] = [];
  const changed: CapabilityChange[] = [];
  for (const key of Object.keys(current).sort()) {
    const before = previous[key];
    const after = current[key] ?? {};
    if (!before) {
      added.push(refOf(key));
      continue;
    }
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((field) => before[field] !== after[field])
      .sort();
    if (fields.length > 0) changed.push({ ...refOf(key), fields });
  }
  for (const key of Object.keys(previous).sort()) if (!(key in current)) removed.push(refOf(key));
  return { added, removed, changed };
}

export const isEmptyDiff = (diff: CapabilityDiff) =>
  diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
