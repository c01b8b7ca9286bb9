/**
 * `${VAR}` references in a server's env and headers are filled from the daemon's environment at
 * connect time, so secrets stay out of the config file.
 */
import { AppError } from "../core/errors.js";

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Returns a copy with every ${VAR} replaced; throws naming the field when a variable is unset. */
export function expandReferences(
  values: Record<string, string> | undefined,
  field: string,
  environment: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    out[key] = value.replace(REFERENCE, (_match, name: string) => {
      const found = environment[name];
      if (found === undefined) {
        throw new AppError("CONFIG_INVALID", `${field}.${key}: environment variable ${name} is not set`);
      }
      return found;
    });
  }
  return out;
}
