/**
 * Parsers for command-line values. They throw commander's InvalidArgumentError, so a bad value
 * is reported as a usage error (exit 2) naming the option, before any command runs.
 */
import { InvalidArgumentError } from "commander";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65_535) {
    throw new InvalidArgumentError("must be a port number from 0 to 65535");
  }
  return port;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number above 0");
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a number above 0");
  return n;
}

const DURATION_UNITS_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `90s`, `15m`, `12h`, `30d` into seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  const amount = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof DURATION_UNITS_S | undefined;
  if (!unit || !Number.isSafeInteger(amount) || amount < 1) {
    throw new InvalidArgumentError("must be a whole number above 0 followed by s, m, h or d (e.g. 30d)");
  }
  return amount * DURATION_UNITS_S[unit];
}

/** Repeatable `KEY=VALUE` options into one object; the value may itself contain '='. */
export function collectKeyValue(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/**
 * Repeatable tool arguments, as httpie writes them: `name=text` is a string, `count:=3` is JSON
 * (numbers, booleans, objects), so a string that looks like a number stays a string.
 */
export function collectToolArg(value: string, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const json = /^([^=:]+):=(.*)$/s.exec(value);
  if (json) {
    const [, key = "", raw = ""] = json;
    try {
      return { ...previous, [key]: JSON.parse(raw) as unknown };
    } catch {
      throw new InvalidArgumentError(`the value of "${key}:=" must be JSON, got ${raw === "" ? "nothing" : raw}`);
    }
  }
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected name=text or name:=json, got "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** `--args '{"a":1}'`: must be a JSON object, as MCP tool arguments are. */
export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`must be JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError("must be a JSON object, like '{\"path\":\"/tmp\"}'");
  }
  return parsed as Record<string, unknown>;
}

/**
 * Splits `--command "npx -y @scope/pkg /tmp"` into argv the way a POSIX shell would for quotes
 * and backslashes — no variables, globs or operators, since the server is run without a shell.
 */
export function splitCommandLine(line: string): string[] {
  const argv: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) current += line[++i];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) argv.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new InvalidArgumentError(`unterminated ${quote} quote`);
  if (inWord) argv.push(current);
  return argv;
}
