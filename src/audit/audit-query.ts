/** The filters of an audit query, as the API and the CLI send them (query-string text). */
import { z } from "zod";
import { InstantSchema } from "../core/instant.js";

export const AUDIT_MAX_LIMIT = 1000;
export const AUDIT_DEFAULT_LIMIT = 100;

const Text = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

export const AuditQuerySchema = z
  .object({
    actor: Text.optional().meta({ description: "Token name or id, `local` or `anonymous`" }),
    action: Text.optional().meta({ description: "Action prefix, e.g. `token.` or `POST /api/v1/mcp/servers`" }),
    target: Text.optional().meta({ description: "Exact target, e.g. a server id" }),
    from: InstantSchema.optional().meta({ description: "Earliest time (inclusive)" }),
    to: InstantSchema.optional().meta({ description: "Latest time (inclusive)" }),
    limit: z
      .string()
      .regex(/^\d+$/, "must be a whole number")
      .optional()
      .transform((value) => (value === undefined ? AUDIT_DEFAULT_LIMIT : Number(value)))
      .pipe(z.number().min(1, "must be at least 1").max(AUDIT_MAX_LIMIT, `must be at most ${AUDIT_MAX_LIMIT}`))
      .meta({ type: "string", description: `Newest entries to return, 1 to ${AUDIT_MAX_LIMIT} (default ${AUDIT_DEFAULT_LIMIT})` }),
  })
  .strict()
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
    }
  });

export type AuditQuery = z.output<typeof AuditQuerySchema>;
