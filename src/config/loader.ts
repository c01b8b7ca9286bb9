/**
 * Reads `mcp_server_configs.json` from disk: its size first, JSON errors with their position,
 * then validation.
 */
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { AppError, errorMessage, type FieldIssue } from "../core/errors.js";
import { findDuplicateKeys } from "./duplicate-keys.js";
import { DEFAULT_LIMITS, fileSizeIssue, LimitsConfigSchema, MAX_FILE_BYTES_CEILING } from "./limits.js";
import type { ConfigFile } from "./schema.js";
import { formatIssues, validateConfigFile } from "./validate.js";

export { DEFAULT_CONFIG_FILE } from "./file-name.js";

function invalid(path: string, issues: FieldIssue[]): AppError {
  return new AppError("CONFIG_INVALID", `${path} has ${issues.length} problem(s):\n${formatIssues(issues)}`, { issues });
}

/**
 * The file's text. A file larger than any `limits.max_file_bytes` may allow is refused from its
 * size alone, before it is read (CONFIG_INVALID naming the limit); a missing or unreadable file
 * throws the system's error.
 */
export async function readConfigText(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES_CEILING) {
      throw invalid(path, [{ field: "(file)", message: `${size} bytes, over ${MAX_FILE_BYTES_CEILING}, the most limits.max_file_bytes allows` }]);
    }
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** Reads and validates the file; throws CONFIG_INVALID with one line per problem. */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readConfigText(path);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("CONFIG_INVALID", `cannot read ${path}: ${errorMessage(error)}`);
  }
  return parseConfigText(text, path);
}

/**
 * JSON.parse's message without the excerpt of the text it quotes, which can be a secret: the
 * kind of error and its position are enough to find it.
 */
function syntaxProblem(error: unknown): string {
  return errorMessage(error)
    .replace(/^(Unexpected token) '.+?', .*$/s, "$1")
    .replace(/, ".*" is not valid JSON$/s, "");
}

export function parseConfigText(text: string, path: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const problem = syntaxProblem(error);
    throw new AppError("CONFIG_INVALID", `${path} is not valid JSON: ${problem}`, {
      issues: [{ field: "(file)", message: `not valid JSON: ${problem}` }],
    });
  }
  // Size against the file's own limit (else the default), before the schema walks the content.
  const declared = LimitsConfigSchema.safeParse((json as { limits?: unknown } | null)?.limits ?? {});
  const tooLarge = fileSizeIssue(Buffer.byteLength(text, "utf8"), declared.success ? declared.data : DEFAULT_LIMITS);
  if (tooLarge) throw invalid(path, [tooLarge]);
  const duplicates = findDuplicateKeys(text);
  if (duplicates.length > 0) {
    throw invalid(
      path,
      duplicates.map(({ path: field, key }) => ({
        field: field || "(file)",
        message: `the key "${key}" appears more than once; JSON would keep only the last, so say it once`,
      })),
    );
  }
  const result = validateConfigFile(json, dirname(path));
  if (!result.ok) throw invalid(path, result.issues);
  return result.value;
}
