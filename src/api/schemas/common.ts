/** Wire schemas shared by every route file: the error body, path parameters, list limits. */
import { z } from "zod";
import { ERROR_CATALOGUE, type ErrorCode } from "../../core/errors.js";
import { SERVER_ID_PATTERN, serverIdProblem } from "../../core/ids.js";
import { documentedAs } from "../openapi.js";
import { issueCode } from "../validation.js";

const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().describe("For bad input: `{issues:[{field,message}]}`; otherwise code-specific or null."),
    }),
  })
  .meta({ description: "An error" });

/** Documents the error answers a route can give, by status. */
export function errorResponses<const S extends number>(...statuses: S[]): Record<S, typeof ErrorBodySchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBodySchema])) as Record<S, typeof ErrorBodySchema>;
}

/** A server id in a path: the same rule as in config files; a bad one is INVALID_ID, not a 404. */
export const ServerIdSchema = z
  .string()
  .superRefine((id, ctx) => {
    const problem = serverIdProblem(id);
    if (problem) ctx.addIssue({ code: "custom", message: problem, params: issueCode("INVALID_ID") });
  })
  .meta({ description: "Server id", pattern: SERVER_ID_PATTERN.source, maxLength: 64 });

export const ServerIdParamsSchema = z.object({ id: ServerIdSchema });

export const ToolNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .meta({ description: "Tool name as the server lists it" });

/**
 * `?limit=` of a listing: a whole number 1..1000, with a per-route default. Parsed from the
 * string by hand rather than coerced, so "abc" and "1.5" get a message a person can act on;
 * documented as the integer it is.
 */
export function limitQuerySchema(defaultLimit: number) {
  const schema = z.object({
    limit: z
      .string()
      .regex(/^\d+$/, "must be a whole number")
      .optional()
      .transform((value) => (value === undefined ? defaultLimit : Number(value)))
      .pipe(z.number().min(1, "must be at least 1").max(1000, "must be at most 1000")),
  });
  return documentedAs(schema, {
    type: "object",
    properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: defaultLimit } },
  });
}
