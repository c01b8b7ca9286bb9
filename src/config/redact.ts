/**
 * What of a server's config may be shown: literal values in env and headers can be secrets, so
 * they are masked; a value that only names a variable (`${VAR}`, `Bearer ${VAR}`) holds no
 * secret and stays visible.
 */
import type { ServerConfig } from "./schema.js";

export const MASK = "********";
const REFERENCE_ONLY = /^(?:Bearer\s+)?\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** Whether the value only names a variable, so holds no secret itself. */
export function isReferenceOnly(value: string): boolean {
  return REFERENCE_ONLY.test(value);
}

function maskValues(values: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) out[key] = isReferenceOnly(value) ? value : MASK;
  return out;
}

export function redactConfig(config: ServerConfig): ServerConfig {
  const env = maskValues(config.env);
  const headers = maskValues(config.headers);
  return { ...config, ...(env ? { env } : {}), ...(headers ? { headers } : {}) };
}
