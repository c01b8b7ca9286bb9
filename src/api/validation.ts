/**
 * The one place request input is validated: route schemas are zod schemas, and Fastify's
 * validator compiler runs them. A failure becomes an AppError naming each field, so the error
 * handler never sees a validation problem in any other shape. The same schemas feed the OpenAPI
 * document (openapi.ts), so what is documented is what is enforced.
 */
import type { FastifySchemaCompiler, FastifyServerOptions, FastifyTypeProvider } from "fastify";
import { z } from "zod";
import { AppError, type ErrorCode } from "../core/errors.js";
import { formatIssues, zodIssues } from "../config/validate.js";

/** Lets handlers see the parsed type of their zod schemas (`app.withTypeProvider<ZodTypeProvider>()`). */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

export function isZodSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

/**
 * Marks a custom issue as reporting a code other than VALIDATION_FAILED (server ids in a path
 * report INVALID_ID). A schema says what its failure means; the compiler does not guess.
 */
export function issueCode(code: ErrorCode): { error_code: ErrorCode } {
  return { error_code: code };
}

/** The AppError for a failed parse: INVALID_ID when a schema asked for it, VALIDATION_FAILED otherwise. */
export function validationError(error: z.ZodError): AppError {
  const issues = zodIssues(error);
  let code: ErrorCode = "VALIDATION_FAILED";
  for (const issue of error.issues) {
    const requested = issue.code === "custom" ? (issue.params as { error_code?: ErrorCode } | undefined)?.error_code : undefined;
    if (requested) code = requested;
  }
  return new AppError(code, formatIssues(issues), { issues });
}

const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (!isZodSchema(schema)) {
    throw new Error(`route schema for ${httpPart ?? "a request part"} must be a zod schema`);
  }
  return (data: unknown) => {
    // Fastify hands an absent body over as null; no route gives JSON null a meaning of its own,
    // so both reach the schema as undefined and a `.default()` can apply.
    const input = httpPart === "body" && data === null ? undefined : data;
    const result = schema.safeParse(input);
    if (result.success) return { value: result.data };
    // Parsed again to report: reportInput lets the messages say what was sent ("must be a number,
    // not string \"x\""), but it costs zod its fast path, about ten times the parse of a valid input.
    const reported = schema.safeParse(input, { reportInput: true });
    return { error: validationError(reported.success ? result.error : reported.error) };
  };
};

/**
 * Response schemas document the answers; they are not used to filter them. Handlers return
 * typed domain objects (checked by the compiler through ZodTypeProvider), so plain JSON is enough.
 */
const jsonSerializerCompiler = () => (data: unknown) => JSON.stringify(data);

/**
 * Fastify's schema controller with the two compilers above. Given when the app is created rather
 * than set later, Fastify never loads its default compilers (Ajv, fast-json-stringify), so the
 * bundle leaves them out. Fastify types the factories after Ajv's; it calls the compilers they
 * return with the same route schema as a FastifySchemaCompiler.
 */
export const zodSchemaController = {
  compilersFactory: { buildValidator: () => zodValidatorCompiler, buildSerializer: () => jsonSerializerCompiler },
} as unknown as NonNullable<FastifyServerOptions["schemaController"]>;
