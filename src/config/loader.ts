/** Reads `mcp_server_configs.json` from disk: JSON errors with their position, then validation. */
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { AppError, errorMessage } from "../core/errors.js";
import { findDuplicateKeys } from "./duplicate-keys.js";
import type { ConfigFile } from "./schema.js";
import { formatIssues, validateConfigFile } from "./validate.js";

export const DEFAULT_CONFIG_FILE = "mcp_server_configs.json";

/** Reads and validates the file; throws CONFIG_INVALID with one line per problem. */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new AppError("CONFIG_INVALID", `cannot read ${path}: ${errorMessage(error)}`);
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, path: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError("CONFIG_INVALID", `${path} is not valid JSON: ${errorMessage(error)}`, {
      issues: [{ field: "(file)", message: `not valid JSON: ${errorMessage(error)}` }],
    });
  }
  const duplicates = findDuplicateKeys(text);
  if (duplicates.length > 0) {
    const issues = duplicates.map(({ path: field, key }) => ({
      field: field || "(file)",
      message: `the key "${key}" appears more than once; JSON would keep only the last, so say it once`,
    }));
    throw new AppError("CONFIG_INVALID", `${path} has ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
  }
  const result = validateConfigFile(json, dirname(path));
  if (!result.ok) {
    throw new AppError("CONFIG_INVALID", `${path} has ${result.issues.length} problem(s):\n${formatIssues(result.issues)}`, {
      issues: result.issues,
    });
  }
  return result.value;
}
