/**
 * Imports MCP server definitions written for other clients — Claude Desktop / Claude Code / Cursor
 * (`{"mcpServers":{...}}`), VS Code (`.vscode/mcp.json`: `{"servers":{...}}`, or settings.json:
 * `{"mcp":{"servers":{...}}}`) — into entries of `mcp_server_configs.json`. Pure data work: it
 * never runs a command, so importing a file from someone else is safe. What does not carry over
 * becomes a warning naming the server and the field; what cannot be converted is an error.
 */
import { AppError, type FieldIssue } from "../core/errors.js";
import { serverIdProblem } from "../core/ids.js";
import type { ServerConfigInput } from "./schema.js";
import { validateConfigFile, validateServer } from "./validate.js";

export interface ImportResult {
  servers: ServerConfigInput[];
  warnings: string[];
}

/** Where the server map was found, for messages. */
type SourceFormat = "mcpServers" | "servers" | "mcp.servers";

const KNOWN_FIELDS = new Set(["type", "transport", "command", "args", "env", "cwd", "url", "headers", "disabled", "description"]);

/**
 * Converts another client's config JSON to our server entries. Throws CONFIG_INVALID, listing
 * every problem (one FieldIssue per server field), when an entry cannot be converted.
 */
export function importMcpServers(json: unknown): ImportResult {
  if (!isObject(json)) {
    throw new AppError("CONFIG_INVALID", "the file must hold a JSON object", {
      issues: [{ field: "(root)", message: "must be an object" }],
    });
  }
  const warnings: string[] = [];

  // Already our format: validate and pass the entries through untouched.
  if (Array.isArray(json.servers)) return importOwnFormat(json);

  const found = findServerMap(json);
  if (!found) {
    throw new AppError(
      "CONFIG_INVALID",
      'no MCP servers found: expected "mcpServers" (Claude Desktop, Cursor), "servers" (VS Code mcp.json) or "mcp.servers" (VS Code settings.json)',
      { issues: [{ field: "(root)", message: "has no mcpServers, servers or mcp.servers object" }] },
    );
  }
  const { format, map } = found;
  if (format !== "mcp.servers") {
    const extra = Object.keys(json).filter((key) => key !== format && key !== "inputs" && key !== "$schema");
    if (extra.length > 0) warnings.push(`ignored top-level field${extra.length > 1 ? "s" : ""} ${quoteList(extra)}`);
  }
  if (Array.isArray(json.inputs) || (isObject(json.mcp) && Array.isArray(json.mcp.inputs))) {
    warnings.push('VS Code "inputs" are not imported: replace ${input:...} references with ${ENV_VAR} references or values');
  }

  const issues: FieldIssue[] = [];
  const servers: ServerConfigInput[] = [];
  const usedIds = new Set<string>();
  for (const [name, raw] of Object.entries(map)) {
    const label = `${format}.${name}`;
    const entry = convertEntry(raw, label, warnings, issues);
    if (!entry) continue;
    const id = uniqueId(sanitizeServerId(name), usedIds);
    usedIds.add(id);
    if (id !== name) warnings.push(`${label}: id "${id}" was made from the name "${name}"`);
    const server: ServerConfigInput = { id, ...(id !== name ? { name } : {}), ...entry };
    const checked = validateServer(server);
    if (!checked.ok) {
      for (const issue of checked.issues) issues.push({ field: `${label}.${issue.field}`, message: issue.message });
      continue;
    }
    servers.push(server);
  }
  if (issues.length > 0) {
    throw new AppError("CONFIG_INVALID", `${issues.length} problem(s) in the imported servers`, { issues });
  }
  return { servers, warnings };
}

function findServerMap(json: Record<string, unknown>): { format: SourceFormat; map: Record<string, unknown> } | undefined {
  if (isObject(json.mcpServers)) return { format: "mcpServers", map: json.mcpServers };
  if (isObject(json.servers)) return { format: "servers", map: json.servers };
  if (isObject(json.mcp) && isObject(json.mcp.servers)) return { format: "mcp.servers", map: json.mcp.servers };
  return undefined;
}

function importOwnFormat(json: Record<string, unknown>): ImportResult {
  const result = validateConfigFile(json);
  if (!result.ok) {
    throw new AppError("CONFIG_INVALID", `${result.issues.length} problem(s) in the imported servers`, { issues: result.issues });
  }
  return {
    servers: (json.servers as ServerConfigInput[]).map((server) => ({ ...server })),
    warnings: ["the file is already in PyGent format; its entries were copied as they are"],
  };
}

type EntryFields = Omit<ServerConfigInput, "id">;

/** One entry of another client's map, as our fields; undefined (with issues pushed) when unusable. */
function convertEntry(raw: unknown, label: string, warnings: string[], issues: FieldIssue[]): EntryFields | undefined {
  if (!isObject(raw)) {
    issues.push({ field: label, message: "must be an object" });
    return undefined;
  }
  const before = issues.length;
  const unknown = Object.keys(raw).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) warnings.push(`${label}: ignored field${unknown.length > 1 ? "s" : ""} ${quoteList(unknown)}`);

  const transport = readTransport(raw, label, issues);
  const out: EntryFields = {};
  if (raw.disabled === true) out.enabled = false;
  else if (raw.disabled !== undefined && raw.disabled !== false) {
    issues.push({ field: `${label}.disabled`, message: "must be a boolean" });
  }
  if (typeof raw.description === "string" && raw.description !== "") out.description = raw.description;

  const remote = transport === "sse" || transport === "http" || (transport === undefined && raw.url !== undefined && raw.command === undefined);
  if (remote) {
    out.transport = transport ?? "http";
    if (typeof raw.url !== "string" || raw.url === "") issues.push({ field: `${label}.url`, message: "is required for a remote server" });
    else out.url = raw.url;
    const headers = readStringMap(raw.headers, `${label}.headers`, warnings, issues);
    if (headers) out.headers = headers;
    for (const field of ["command", "args", "cwd", "env"] as const) {
      if (raw[field] !== undefined) warnings.push(`${label}: ignored field "${field}", which a remote server does not use`);
    }
  } else {
    if (transport === "stdio") out.transport = "stdio";
    const command = readCommand(raw, label, warnings, issues);
    if (command) out.command = command;
    const env = readStringMap(raw.env, `${label}.env`, warnings, issues);
    if (env) out.env = env;
    if (raw.cwd !== undefined) {
      if (typeof raw.cwd === "string" && raw.cwd !== "") out.cwd = raw.cwd;
      else issues.push({ field: `${label}.cwd`, message: "must be a non-empty string" });
    }
    for (const field of ["url", "headers"] as const) {
      if (raw[field] !== undefined) warnings.push(`${label}: ignored field "${field}", which a stdio server does not use`);
    }
  }
  for (const [field, value] of Object.entries({ ...out.env, ...out.headers })) {
    if (value.includes("${input:")) {
      warnings.push(`${label}: "${field}" refers to a VS Code input (${value}); set a value or an \${ENV_VAR} reference`);
    } else if (/\$\{(?:env:|workspaceFolder|userHome)/.test(value)) {
      warnings.push(`${label}: "${field}" uses a VS Code variable (${value}); PyGent fills only \${ENV_VAR} references`);
    }
  }
  return issues.length > before ? undefined : out;
}

function readTransport(raw: Record<string, unknown>, label: string, issues: FieldIssue[]): "stdio" | "sse" | "http" | undefined {
  const field = raw.type !== undefined ? "type" : raw.transport !== undefined ? "transport" : undefined;
  if (field === undefined) return undefined;
  const value = raw[field];
  switch (value) {
    case "stdio":
    case "sse":
    case "http":
      return value;
    // Spellings other clients use for the Streamable HTTP transport.
    case "streamable-http":
    case "streamableHttp":
    case "streamable_http":
      return "http";
    default:
      issues.push({ field: `${label}.${field}`, message: `must be "stdio", "sse" or "http", not ${JSON.stringify(value)}` });
      return undefined;
  }
}

function readCommand(raw: Record<string, unknown>, label: string, warnings: string[], issues: FieldIssue[]): string[] | undefined {
  const { command, args } = raw;
  let argv: string[];
  if (typeof command === "string" && command.trim() !== "") {
    argv = [command];
    if (/\s/.test(command.trim()) && args === undefined) {
      warnings.push(`${label}: "command" contains spaces and is run without a shell; put the arguments in "args" if it fails to start`);
    }
  } else if (Array.isArray(command) && command.length > 0 && command.every((part) => typeof part === "string" && part !== "")) {
    argv = [...(command as string[])];
  } else {
    issues.push({ field: `${label}.command`, message: command === undefined ? "is required (or give url for a remote server)" : "must be a non-empty string" });
    return undefined;
  }
  if (args === undefined) return argv;
  if (!Array.isArray(args)) {
    issues.push({ field: `${label}.args`, message: "must be an array of strings" });
    return undefined;
  }
  let ok = true;
  args.forEach((arg, index) => {
    if (typeof arg === "string") argv.push(arg);
    else if (typeof arg === "number" || typeof arg === "boolean") {
      warnings.push(`${label}: args[${index}] was the ${typeof arg} ${String(arg)}; imported as the string "${String(arg)}"`);
      argv.push(String(arg));
    } else {
      issues.push({ field: `${label}.args[${index}]`, message: "must be a string" });
      ok = false;
    }
  });
  return ok ? argv : undefined;
}

function readStringMap(value: unknown, field: string, warnings: string[], issues: FieldIssue[]): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    issues.push({ field, message: "must be an object of strings" });
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
    else if (typeof item === "number" || typeof item === "boolean") {
      warnings.push(`${field}.${key} was the ${typeof item} ${String(item)}; imported as the string "${String(item)}"`);
      out[key] = String(item);
    } else issues.push({ field: `${field}.${key}`, message: "must be a string" });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A name turned into an id our rule accepts (src/core/ids.ts): `GitHub Tools` -> `GitHub-Tools`. */
export function sanitizeServerId(name: string): string {
  let id = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-{2,}/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 64)
    .replace(/[-.]+$/, "");
  if (id === "" || serverIdProblem(id) !== undefined) id = "server";
  return id;
}

function uniqueId(id: string, used: ReadonlySet<string>): string {
  if (!used.has(id)) return id;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = id.slice(0, 64 - suffix.length) + suffix;
    if (!used.has(candidate)) return candidate;
  }
}

export interface MergeResult {
  config: { servers: unknown[] };
  added: string[];
  replaced: string[];
}

/**
 * Adds imported servers to an existing config file's entries, keeping the existing entries as
 * written. An id already in the file is replaced only with `merge: true`; otherwise the whole
 * merge is refused with CONFIG_INVALID naming the ids, so nothing is half-written.
 */
export function mergeConfig(
  existing: { servers?: unknown[] } | undefined,
  imported: readonly ServerConfigInput[],
  options: { merge: boolean },
): MergeResult {
  const servers = [...(existing?.servers ?? [])];
  const indexById = new Map<string, number>();
  servers.forEach((entry, index) => {
    if (isObject(entry) && typeof entry.id === "string") indexById.set(entry.id, index);
  });
  const conflicts = imported.filter((server) => indexById.has(server.id)).map((server) => server.id);
  if (conflicts.length > 0 && !options.merge) {
    throw new AppError(
      "CONFIG_INVALID",
      `the config already has server${conflicts.length > 1 ? "s" : ""} ${quoteList(conflicts)}; pass --merge to replace ${conflicts.length > 1 ? "them" : "it"}`,
      { issues: conflicts.map((id) => ({ field: `servers (id "${id}")`, message: "already exists" })) },
    );
  }
  const added: string[] = [];
  const replaced: string[] = [];
  for (const server of imported) {
    const index = indexById.get(server.id);
    if (index === undefined) {
      indexById.set(server.id, servers.length);
      servers.push(server);
      added.push(server.id);
    } else {
      servers[index] = server;
      replaced.push(server.id);
    }
  }
  return { config: { ...existing, servers }, added, replaced };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function quoteList(items: readonly string[]): string {
  return items.map((item) => `"${item}"`).join(", ");
}
