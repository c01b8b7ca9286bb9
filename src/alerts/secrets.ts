/**
 * Channel secrets (a webhook's HMAC key, an SMTP password) may be written as `${VAR}` and are
 * then read from the daemon's environment when the channel is built. Errors name the field and
 * the variable, never a value.
 */
import { expandReferences } from "../config/env-expansion.js";

export function resolveSecret(value: string, parentField: string, key: string, environment: NodeJS.ProcessEnv): string {
  return expandReferences({ [key]: value }, parentField, environment)[key] ?? "";
}
