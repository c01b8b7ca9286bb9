/** Instants as people and scripts write them in queries: epoch milliseconds or ISO 8601. */
import { z } from "zod";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An instant as milliseconds since the epoch ("1767225600000") or ISO 8601 ("2026-01-01T00:00:00Z"). */
function parseInstant(value: string): number | undefined {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  if (!ISO_8601.test(value)) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A query parameter holding an instant; parses to milliseconds since the epoch. */
export const InstantSchema = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseInstant(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: "must be milliseconds since the epoch or an ISO 8601 date-time" });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ type: "string", description: "Milliseconds since the epoch, or ISO 8601 (2026-01-01T12:00:00Z)" });
