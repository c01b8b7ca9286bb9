/**
 * A tool's JSON Schema input as form fields, and the form's text back as the tool's arguments.
 * Strings, numbers, integers, booleans, enums and arrays of those get their own controls; an
 * object or anything else is a JSON text area. The problems an MCP server reports with the
 * arguments are matched to the fields they name. Pure, so the page only renders what it says.
 */

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "list" | "json";

export interface Field {
  name: string;
  label: string;
  description: string | null;
  kind: FieldKind;
  required: boolean;
  /** For enum: the allowed values, as the schema gives them. */
  options: unknown[];
  /** For list: the kind of each item. */
  itemKind: Exclude<FieldKind, "list" | "json"> | null;
  /** What the control starts with: the schema's default, as text (or "true"/"false"). */
  initial: string;
}

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalarKind(schema: Schema): Exclude<FieldKind, "list" | "json"> | null {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((each) => each !== "null") : schema.type;
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type;
  return null;
}

function initialText(kind: FieldKind, value: unknown): string {
  if (value === undefined) return kind === "boolean" ? "false" : "";
  if (kind === "json") return JSON.stringify(value, null, 2);
  if (kind === "list" && Array.isArray(value)) return value.map(String).join("\n");
  return String(value);
}

export function fieldsOf(inputSchema: unknown): Field[] {
  if (!isSchema(inputSchema) || !isSchema(inputSchema.properties)) return [];
  const required = new Set(Array.isArray(inputSchema.required) ? inputSchema.required.filter((each) => typeof each === "string") : []);
  return Object.entries(inputSchema.properties).map(([name, raw]) => {
    const schema = isSchema(raw) ? raw : {};
    const scalar = scalarKind(schema);
    const items = schema.type === "array" && isSchema(schema.items) ? scalarKind(schema.items) : null;
    const kind: FieldKind = scalar ?? (items ? "list" : "json");
    const options = kind === "enum" ? (schema.enum as unknown[]) : items === "enum" && isSchema(schema.items) ? (schema.items.enum as unknown[]) : [];
    return {
      name,
      label: typeof schema.title === "string" ? schema.title : name,
      description: typeof schema.description === "string" ? schema.description : null,
      kind,
      required: required.has(name),
      options,
      itemKind: items,
      initial: initialText(kind, schema.default),
    };
  });
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseScalar(kind: Exclude<FieldKind, "list" | "json">, text: string, options: unknown[]): Parsed {
  switch (kind) {
    case "string":
      return { ok: true, value: text };
    case "boolean":
      return { ok: true, value: text === "true" };
    case "number": {
      const value = Number(text);
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `"${text}" is not a number` };
    }
    case "integer": {
      const value = Number(text);
      return Number.isInteger(value) ? { ok: true, value } : { ok: false, message: `"${text}" is not a whole number` };
    }
    case "enum": {
      const value = options.find((option) => String(option) === text);
      return value === undefined ? { ok: false, message: `choose one of ${options.map(String).join(", ")}` } : { ok: true, value };
    }
  }
}

function parseField(field: Field, text: string): Parsed {
  if (field.kind === "json") {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (error) {
      return { ok: false, message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  if (field.kind === "list") {
    const values: unknown[] = [];
    for (const line of text.split("\n").filter((each) => each.trim() !== "")) {
      const item = parseScalar(field.itemKind ?? "string", field.itemKind === "string" ? line : line.trim(), field.options);
      if (!item.ok) return { ok: false, message: `line "${line}": ${item.message}` };
      values.push(item.value);
    }
    return { ok: true, value: values };
  }
  return parseScalar(field.kind, field.kind === "string" ? text : text.trim(), field.options);
}

/**
 * The arguments the form's values stand for, or a message per field that is wrong. An empty
 * optional field is left out; an empty required one is an error (a boolean is never empty).
 */
export function argumentsOf(
  fields: readonly Field[],
  values: Readonly<Record<string, string>>,
): { ok: true; arguments: Record<string, unknown> } | { ok: false; errors: Record<string, string> } {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const text = values[field.name] ?? field.initial;
    if (field.kind !== "boolean" && text.trim() === "") {
      if (field.required) errors[field.name] = `${field.label} is required.`;
      continue;
    }
    const parsed = parseField(field, text);
    if (parsed.ok) args[field.name] = parsed.value;
    else errors[field.name] = `${field.label}: ${parsed.message}.`;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, arguments: args };
}

/**
 * An MCP SDK server refuses bad arguments with an error result, `Input validation error: Invalid
 * arguments for tool <name>: ` and then its issues: one a line as `<message> at <path>` (SDK 1),
 * or `<path>: <message>, <path>: <message>` (SDK 2). The message for each of the form's fields
 * it names.
 */
export function fieldErrorsOfResult(fields: readonly Field[], text: string): Record<string, string> {
  const list = /Invalid arguments for tool [^:]*: (.*)$/s.exec(text)?.[1];
  if (!list) return {};
  const known = new Set(fields.map((field) => field.name));
  const errors: Record<string, string> = {};
  const add = (path: string, message: string): void => {
    const name = path.split(".")[0] ?? "";
    if (known.has(name)) errors[name] ??= message.trim();
  };
  for (const line of list.split("\n")) {
    const issue = /^(.*) at (\S+)$/s.exec(line);
    if (issue) add(issue[2]!, issue[1]!);
  }
  for (const part of list.split(/, (?=[^\s,:]+: )/)) {
    const issue = /^([^\s,:]+): (.*)$/s.exec(part);
    if (issue) add(issue[1]!, issue[2]!);
  }
  return errors;
}
