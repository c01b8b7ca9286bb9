/**
 * Turns raw JSON into a validated config, or into a list of problems a person can act on: one
 * line per problem, naming the server id and the field.
 */
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import type { z } from "zod";
import { AppError, errorMessage, type FieldIssue } from "../core/errors.js";
import { DEFAULT_LIMITS, serverCountIssue, serverEntryIssues } from "./limits.js";
import { ConfigFileSchema, ServerConfigSchema, type ConfigFile, type ServerConfig } from "./schema.js";
import { looksSecret } from "./secret-names.js";

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** "servers[2].env.TOKEN" style path from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Fields whose values can be secrets (or carry them, as argv and URLs do): never quoted back. */
const SECRET_FIELDS = new Set(["env", "headers", "url", "command", "secrets", "pass"]);

function mayHoldSecret(path: readonly PropertyKey[]): boolean {
  return path.some((part) => typeof part === "string" && (SECRET_FIELDS.has(part) || looksSecret(part)));
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type") {
    const input = (issue as { input?: unknown }).input;
    if (input === undefined) return "is required";
    const article = /^[aeiou]/.test(issue.expected) ? "an" : "a";
    return `must be ${article} ${issue.expected}, not ${describe(input, !mayHoldSecret(issue.path))}`;
  }
  return issue.message;
}

/** The received value's kind, and the value itself only when `quote` (never for a field that may hold a secret). */
function describe(value: unknown, quote: boolean): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const article = /^[aeiou]/.test(typeof value) ? "an" : "a";
  return quote ? `${typeof value} ${JSON.stringify(value)}` : `${article} ${typeof value}`;
}

/** Converts zod issues to field issues, with paths under `prefix`. */
export function zodIssues(error: z.ZodError, prefix = ""): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: fieldPath(issue.path, prefix) || "(root)",
    message: issueMessage(issue),
  }));
}

/** Why the file cannot be read, or undefined when it can. */
function unreadable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    return `cannot be read: ${errorMessage(error)}`;
  }
}

/**
 * A server entry checked and with defaults filled in. Files it names (`tls.ca_file`) are resolved
 * against `baseDir`, the config file's folder, and must be readable now rather than at the first
 * connection.
 */
export function validateServer(input: unknown, prefix = "", baseDir = process.cwd()): ValidationResult<ServerConfig> {
  const result = ServerConfigSchema.safeParse(input, { reportInput: true });
  if (!result.success) return { ok: false, issues: zodIssues(result.error, prefix) };
  const server = result.data;
  if (server.tls === undefined) return { ok: true, value: server };
  const caFile = resolve(baseDir, server.tls.ca_file);
  const problem = unreadable(caFile);
  if (problem !== undefined) return { ok: false, issues: [{ field: fieldPath(["tls", "ca_file"], prefix), message: problem }] };
  return { ok: true, value: { ...server, tls: { ca_file: caFile } } };
}

/** Like validateServer, but throws a VALIDATION_FAILED AppError listing the issues. */
export function parseServer(input: unknown): ServerConfig {
  const result = validateServer(input);
  if (!result.ok) throw new AppError("VALIDATION_FAILED", formatIssues(result.issues), { issues: result.issues });
  return result.value;
}

/** `baseDir`: the config file's folder, which relative paths in it are resolved against. */
export function validateConfigFile(input: unknown, baseDir = process.cwd()): ValidationResult<ConfigFile> {
  const top = ConfigFileSchema.safeParse(input, { reportInput: true });
  if (!top.success) return { ok: false, issues: zodIssues(top.error) };
  const limits = top.data.limits ?? DEFAULT_LIMITS;
  // Over the count, nothing else is looked at: the cost of validating is what the limit bounds.
  const tooMany = serverCountIssue(top.data.servers.length, limits);
  if (tooMany) return { ok: false, issues: [tooMany] };
  const issues: FieldIssue[] = [];
  const servers: ServerConfig[] = [];
  const seen = new Map<string, number>();
  top.data.servers.forEach((entry, index) => {
    const id = typeof entry === "object" && entry !== null && typeof (entry as { id?: unknown }).id === "string"
      ? (entry as { id: string }).id
      : undefined;
    const label = id === undefined ? `servers[${index}]` : `servers[${index}] (id "${id}")`;
    const first = id === undefined ? undefined : seen.get(id);
    if (first !== undefined) issues.push({ field: `${label}.id`, message: `duplicate id, already used by servers[${first}]` });
    else if (id !== undefined) seen.set(id, index);
    const oversized = serverEntryIssues(entry, label, limits);
    if (oversized.length > 0) {
      issues.push(...oversized);
      return;
    }
    const result = validateServer(entry, "", baseDir);
    if (!result.ok) {
      for (const issue of result.issues) issues.push({ field: `${label}.${issue.field}`, message: issue.message });
      return;
    }
    servers.push(result.value);
  });
  if (issues.length > 0) return { ok: false, issues };
  const { health, alerts, discovery, network, security, limits: declared, gateway, rag, llm } = top.data;
  return {
    ok: true,
    value: {
      servers,
      ...(health ? { health } : {}),
      ...(alerts ? { alerts } : {}),
      ...(discovery ? { discovery } : {}),
      ...(network ? { network } : {}),
      ...(security ? { security } : {}),
      ...(declared ? { limits: declared } : {}),
      ...(gateway ? { gateway } : {}),
      // Relative folders open to ingestion are the config file's neighbours, as server paths are.
      ...(rag ? { rag: { ...rag, roots: rag.roots.map((root) => resolve(baseDir, root)) } } : {}),
      ...(llm ? { llm } : {}),
    },
  };
}

export function formatIssues(issues: FieldIssue[]): string {
  return issues.map((issue) => `${issue.field}: ${issue.message}`).join("\n");
}
