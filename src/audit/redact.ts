/**
 * What of a request or tool call may go into the audit log. Values under keys that look secret
 * are replaced; `env`, `headers` and `secrets` keep their keys and lose every value (a server's
 * environment and headers are where its credentials live); a secret-looking flag in an argv
 * loses the value after it. A caller may name more places whose values are hidden the same way
 * (`valuesHidden`, paths such as `body.arguments`): a route declares which of its body fields carry
 * values that must never be stored (audit-hook.ts). Deep or large inputs are cut, so one request
 * cannot bloat the log.
 */

export const REDACTED = "[redacted]";

const SECRET_KEY = /token|key|secret|passw|pwd|authorization|auth|credential|cookie|session|private/i;
const VALUES_HIDDEN_KEYS = new Set(["env", "headers", "secrets"]);
const ARGV_KEYS = new Set(["command", "args", "argv"]);
const SECRET_FLAG = /^--?[\w-]*(?:token|key|secret|passw|pwd|auth|credential)[\w-]*$/i;
const MAX_DEPTH = 6;
const MAX_STRING = 500;
const MAX_ITEMS = 50;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of `value` safe to store in the audit log. `valuesHidden` names dot-separated paths
 * (`body.arguments`) whose keys are kept and whose every value is dropped, whatever the keys say.
 */
export function redactForAudit(value: unknown, valuesHidden: readonly string[] = []): unknown {
  return redact(value, 0, valuesHidden);
}

/** The paths of `hidden` below `key`, relative to it. */
function below(hidden: readonly string[], key: string): string[] {
  const prefix = `${key}.`;
  return hidden.filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length));
}

function redact(value: unknown, depth: number, hidden: readonly string[] = []): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value).slice(0, MAX_ITEMS)) {
    if (VALUES_HIDDEN_KEYS.has(key) || hidden.includes(key)) out[key] = hideValues(inner);
    else if (isSecretKey(key)) out[key] = REDACTED;
    else if (ARGV_KEYS.has(key) && Array.isArray(inner)) out[key] = redactArgv(inner);
    else out[key] = redact(inner, depth + 1, below(hidden, key));
  }
  return out;
}

function hideValues(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return REDACTED;
  return Object.fromEntries(Object.keys(value).slice(0, MAX_ITEMS).map((key) => [key, REDACTED]));
}

/** `--api-key sk-1` and `--api-key=sk-1` keep the flag and lose the value. */
function redactArgv(argv: unknown[]): unknown[] {
  return argv.slice(0, MAX_ITEMS).map((arg, index) => {
    if (typeof arg !== "string") return redact(arg, MAX_DEPTH - 1);
    const eq = arg.indexOf("=");
    if (arg.startsWith("-") && eq > 0 && SECRET_FLAG.test(arg.slice(0, eq))) return `${arg.slice(0, eq + 1)}${REDACTED}`;
    const previous = argv[index - 1];
    if (typeof previous === "string" && SECRET_FLAG.test(previous)) return REDACTED;
    return redact(arg, 0);
  });
}
