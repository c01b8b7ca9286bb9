/**
 * The config file's `limits` section and the checks behind it. A file without bounds (a hundred
 * thousand servers, an argv of a million items) costs the daemon memory and time in proportion
 * before anything is wrong enough to report, so size is refused first, with a problem naming
 * the limit to raise. The checks run on the raw JSON, before the schema walks it.
 */
import { z } from "zod";
import type { FieldIssue } from "../core/errors.js";

const KIB = 1024;
const MIB = 1024 * KIB;

/** No `limits.max_file_bytes` may go above this; a larger file is refused before it is read. */
export const MAX_FILE_BYTES_CEILING = 64 * MIB;

const count = (max: number, fallback: number) => z.number().int().min(1).max(max).default(fallback);

export const LimitsConfigSchema = z
  .object({
    max_file_bytes: z.number().int().min(KIB).max(MAX_FILE_BYTES_CEILING).default(4 * MIB),
    max_servers: count(100_000, 1000),
    /** Per server: items of `command` and their bytes together. */
    max_argv_items: count(100_000, 256),
    max_argv_bytes: count(16 * MIB, 64 * KIB),
    /** Per server, for `env` and for `headers` each: entries, and the bytes of names and values. */
    max_env_entries: count(100_000, 256),
    max_env_bytes: count(16 * MIB, 64 * KIB),
  })
  .strict();

export type LimitsConfig = z.output<typeof LimitsConfigSchema>;

export const DEFAULT_LIMITS: LimitsConfig = LimitsConfigSchema.parse({});

function overLimit(field: string, amount: number, unit: string, limits: LimitsConfig, key: keyof LimitsConfig): FieldIssue | undefined {
  const limit = limits[key];
  if (amount <= limit) return undefined;
  return { field, message: `${amount} ${unit}, the limit is ${limit} (limits.${key})` };
}

/** The file's size against `limits.max_file_bytes`. */
export function fileSizeIssue(bytes: number, limits: LimitsConfig): FieldIssue | undefined {
  return overLimit("(file)", bytes, "bytes", limits, "max_file_bytes");
}

/** The number of server entries against `limits.max_servers`. */
export function serverCountIssue(servers: number, limits: LimitsConfig): FieldIssue | undefined {
  return overLimit("servers", servers, "servers", limits, "max_servers");
}

const utf8Bytes = (text: unknown) => (typeof text === "string" ? Buffer.byteLength(text, "utf8") : 0);

/**
 * One raw server entry against the per-server limits; fields of the wrong shape are left to the
 * schema. `label` prefixes each field (`servers[3] (id "x")`). Values are counted, never quoted.
 */
export function serverEntryIssues(entry: unknown, label: string, limits: LimitsConfig): FieldIssue[] {
  if (typeof entry !== "object" || entry === null) return [];
  const { command, env, headers } = entry as Record<string, unknown>;
  const issues: (FieldIssue | undefined)[] = [];
  if (Array.isArray(command)) {
    issues.push(
      overLimit(`${label}.command`, command.length, "items", limits, "max_argv_items") ??
        overLimit(`${label}.command`, command.reduce<number>((sum, arg) => sum + utf8Bytes(arg), 0), "bytes", limits, "max_argv_bytes"),
    );
  }
  for (const [name, values] of [["env", env], ["headers", headers]] as const) {
    if (typeof values !== "object" || values === null || Array.isArray(values)) continue;
    const pairs = Object.entries(values);
    const bytes = pairs.reduce((sum, [key, value]) => sum + utf8Bytes(key) + utf8Bytes(value), 0);
    issues.push(
      overLimit(`${label}.${name}`, pairs.length, "entries", limits, "max_env_entries") ??
        overLimit(`${label}.${name}`, bytes, "bytes", limits, "max_env_bytes"),
    );
  }
  return issues.filter((issue): issue is FieldIssue => issue !== undefined);
}
