/**
 * `${VAR}` references in a server's env, headers, argv and url are filled from its stored secrets
 * and the daemon's environment at connect time, so secrets stay out of the config file, the
 * database's copy of it and every view of it.
 */
import { AppError } from "../core/errors.js";

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The value with every ${VAR} filled; throws naming the field when a variable is unset. */
export function expandReference(value: string, field: string, environment: NodeJS.ProcessEnv): string {
  return value.replace(REFERENCE, (_match, name: string) => {
    const found = environment[name];
    if (found === undefined) {
      throw new AppError("CONFIG_INVALID", `${field}: environment variable ${name} is not set`);
    }
    return found;
  });
}

/** Returns a copy with every ${VAR} replaced; throws naming the field when a variable is unset. */
export function expandReferences(
  values: Record<string, string> | undefined,
  field: string,
  environment: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) out[key] = expandReference(value, `${field}.${key}`, environment);
  return out;
}

/** argv with every ${VAR} filled, each failure naming its index (`command[2]`). */
export function expandArgv(argv: readonly string[], environment: NodeJS.ProcessEnv): string[] {
  return argv.map((arg, index) => expandReference(arg, `command[${index}]`, environment));
}
