/**
 * The file side of `pygent servers import`: read another client's config, convert it
 * (config/import.ts), merge it into our config file and write that atomically — or, on a dry
 * run, only report. The written file is validated first, so an import never leaves a file the
 * daemon would refuse.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { AppError, errorMessage } from "../core/errors.js";
import { importMcpServers, mergeConfig } from "../config/import.js";
import { validateConfigFile } from "../config/validate.js";

export interface ImportFileOptions {
  output: string;
  merge: boolean;
  dryRun: boolean;
}

export interface ImportFileResult {
  /** The whole config file as written (or as it would be, on a dry run). */
  config: { servers: unknown[] };
  text: string;
  added: string[];
  replaced: string[];
  warnings: string[];
  /** Whether the output file existed before. */
  existed: boolean;
}

export async function importConfigFile(source: string, options: ImportFileOptions): Promise<ImportFileResult> {
  const json = await readJson(source, "the file to import");
  const { servers, warnings } = importMcpServers(json);
  if (servers.length === 0) throw new AppError("CONFIG_INVALID", `${source} defines no MCP servers`);

  const existing = await readJsonIfPresent(options.output);
  if (existing !== undefined && (typeof existing !== "object" || existing === null || Array.isArray(existing))) {
    throw new AppError("CONFIG_INVALID", `${options.output} does not hold a JSON object; not touching it`);
  }
  const current = existing as { servers?: unknown } | undefined;
  if (current && current.servers !== undefined && !Array.isArray(current.servers)) {
    throw new AppError("CONFIG_INVALID", `${options.output}: "servers" must be an array; not touching it`);
  }
  const merged = mergeConfig(current as { servers?: unknown[] } | undefined, servers, { merge: options.merge });
  const check = validateConfigFile(merged.config, dirname(resolve(options.output)));
  if (!check.ok) {
    throw new AppError("CONFIG_INVALID", `the merged config would not be valid; ${options.output} was not changed`, {
      issues: check.issues,
    });
  }
  const text = `${JSON.stringify(merged.config, null, 2)}\n`;
  if (!options.dryRun) await writeAtomically(options.output, text);
  return { config: merged.config, text, added: merged.added, replaced: merged.replaced, warnings, existed: existing !== undefined };
}

async function readJson(path: string, what: string): Promise<unknown> {
  const json = await readJsonIfPresent(path, what);
  if (json === undefined) throw new AppError("CONFIG_INVALID", `cannot read ${what} ${path}: no such file`);
  return json;
}

/** The parsed file, or undefined when it does not exist. */
async function readJsonIfPresent(path: string, what = "the config file"): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AppError("CONFIG_INVALID", `cannot read ${what} ${path}: ${errorMessage(error)}`);
  }
  try {
    return JSON.parse(stripBom(text)) as unknown;
  } catch (error) {
    throw new AppError("CONFIG_INVALID", `${path} is not valid JSON: ${errorMessage(error)}`);
  }
}

/** Write-then-rename, so the daemon's file watcher never reads a half-written config. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, { encoding: "utf8", flag: "wx" });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new AppError("INTERNAL", `cannot write ${path}: ${errorMessage(error)}`);
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
