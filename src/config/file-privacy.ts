/**
 * A config file that holds secrets written out (not `${VAR}` references) should be readable by
 * its owner alone. This finds such a file and says what to do; it names fields, never values.
 */
import { stat } from "node:fs/promises";
import { isReferenceOnly } from "./redact.js";
import type { ConfigFile } from "./schema.js";
import { looksSecret } from "./secret-names.js";

export interface ExposedSecretsWarning {
  path: string;
  /** The file's permission bits, in octal ("644"). */
  mode: string;
  /** Where the literal secrets are: `servers[0].env.API_KEY`. */
  fields: string[];
  message: string;
}

/** env and headers entries with a secret-looking name and a literal value. */
export function literalSecretFields(config: ConfigFile): string[] {
  const fields: string[] = [];
  config.servers.forEach((server, index) => {
    for (const [name, values] of [["env", server.env], ["headers", server.headers]] as const) {
      for (const [key, value] of Object.entries(values ?? {})) {
        if (looksSecret(key) && !isReferenceOnly(value)) fields.push(`servers[${index}].${name}.${key}`);
      }
    }
  });
  return fields;
}

/** A warning when the file holds literal secrets and its group or others may read it; undefined otherwise. */
export async function exposedSecretsWarning(path: string, config: ConfigFile): Promise<ExposedSecretsWarning | undefined> {
  const fields = literalSecretFields(config);
  if (fields.length === 0) return undefined;
  const permissions = (await stat(path)).mode & 0o777;
  if ((permissions & 0o077) === 0) return undefined;
  const mode = permissions.toString(8).padStart(3, "0");
  const shown = fields.length > 3 ? `${fields.slice(0, 3).join(", ")} and ${fields.length - 3} more` : fields.join(", ");
  return {
    path,
    mode,
    fields,
    message: `${path} holds literal secrets (${shown}) and other users can read it (mode ${mode}); run chmod 600 ${path}, or use \${VAR} references`,
  };
}
