/**
 * The rules that mark a tool definition as suspicious, whoever serves it and whenever: text a
 * person cannot see but a model reads (zero-width, bidi and Unicode tag characters, terminal
 * control codes), instruction tags aimed at the model (`<IMPORTANT>`, `<SYSTEM>`, chat-template
 * markers), and text longer than a description needs. Every string of the definition is read:
 * name, title, description, and the schemas' keys and values, where poisoned parameter
 * descriptions hide. Pure: no I/O, no clock.
 */
import type { ToolSummary } from "../bus/index.js";

export type SuspiciousFlagKind = "invisible_characters" | "control_characters" | "instruction_tags" | "too_long";

export interface SuspiciousFlag {
  flag: SuspiciousFlagKind;
  /** Where in the definition, e.g. `description` or `input_schema.properties.path.description`. */
  field: string;
  /** What was found, in words a person reads, e.g. `U+200B ×3` or `<IMPORTANT>`. */
  detail: string;
}

export interface SuspicionRules {
  /** Characters a string of the definition may hold before it is flagged `too_long`. */
  maxDescriptionLength: number;
}

/**
 * Zero-width and joiner characters, bidi marks, embeddings, overrides and isolates, the soft
 * hyphen and combining grapheme joiner, invisible operators, and the tag block (U+E0000-E007F),
 * which spells out ASCII no renderer shows.
 */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0]|[\u{E0000}-\u{E007F}]/gu;

/** C0 and C1 controls but tab, line feed and carriage return: escape sequences rewrite a terminal. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Tags that address the model rather than describe the tool, and chat-template markers. */
const INSTRUCTION_TAG =
  /<\s*\/?\s*(?:important|system|system[-_ ]?(?:prompt|message|instructions?)|instructions?|assistant|admin|critical|hidden|secret|override)(?:\s[^<>]{0,200})?\/?\s*>|<\|(?:im_start|im_end|system|assistant|user)\|>|\[\/?INST\]|<<\/?SYS>>/gi;

const MAX_LISTED = 5;

function codePoints(matches: string[]): string {
  const counts = new Map<string, number>();
  for (const match of matches) {
    const label = `U+${match.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const listed = [...counts].slice(0, MAX_LISTED).map(([label, count]) => (count > 1 ? `${label} ×${count}` : label));
  return counts.size > MAX_LISTED ? `${listed.join(", ")} and ${counts.size - MAX_LISTED} more` : listed.join(", ");
}

function tags(matches: string[]): string {
  const distinct = [...new Set(matches.map((match) => match.replace(/\s+/g, " ").slice(0, 40)))];
  const listed = distinct.slice(0, MAX_LISTED).join(", ");
  return distinct.length > MAX_LISTED ? `${listed} and ${distinct.length - MAX_LISTED} more` : listed;
}

/** What is wrong with one string; `value` false for an object's key, which has no length cap. */
function inspectText(text: string, field: string, rules: SuspicionRules, value = true): SuspiciousFlag[] {
  const flags: SuspiciousFlag[] = [];
  const invisible = text.match(INVISIBLE);
  if (invisible) flags.push({ flag: "invisible_characters", field, detail: codePoints(invisible) });
  const control = text.match(CONTROL);
  if (control) flags.push({ flag: "control_characters", field, detail: codePoints(control) });
  const tagged = text.match(INSTRUCTION_TAG);
  if (tagged) flags.push({ flag: "instruction_tags", field, detail: tags(tagged) });
  if (value && text.length > rules.maxDescriptionLength) {
    flags.push({ flag: "too_long", field, detail: `${text.length} characters, over the cap of ${rules.maxDescriptionLength}` });
  }
  return flags;
}

/** Every string of a JSON value, keys included, with the path it sits at. */
function inspectValue(value: unknown, field: string, rules: SuspicionRules, out: SuspiciousFlag[]): void {
  if (typeof value === "string") {
    out.push(...inspectText(value, field, rules));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => inspectValue(item, `${field}[${index}]`, rules, out));
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      const path = `${field}.${key}`;
      out.push(...inspectText(key, `${path} (key)`, rules, false));
      inspectValue(inner, path, rules, out);
    }
  }
}

/** What is suspicious in a tool's definition; empty when nothing is. */
export function suspiciousFlags(tool: ToolSummary, rules: SuspicionRules): SuspiciousFlag[] {
  const out: SuspiciousFlag[] = [];
  inspectValue(tool.name, "name", rules, out);
  inspectValue(tool.title, "title", rules, out);
  inspectValue(tool.description, "description", rules, out);
  inspectValue(tool.input_schema, "input_schema", rules, out);
  inspectValue(tool.output_schema, "output_schema", rules, out);
  inspectValue(tool.annotations, "annotations", rules, out);
  return out;
}
