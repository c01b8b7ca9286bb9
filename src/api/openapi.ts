/**
 * The OpenAPI 3 document and the interactive docs page (/docs, /docs/json). Both are generated
 * from the zod schemas the routes validate with, converted by `z.toJSONSchema`; the page is
 * served from the installed swagger-ui package, so it works offline.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifySchema } from "fastify";
import { z } from "zod";
import { isZodSchema } from "./validation.js";

export const DOCS_PREFIX = "/docs";

/**
 * A schema whose documented form is written by hand, for the few bodies whose validation is not
 * a plain zod object (the server entry is checked by validateServer so its messages match the
 * config file's).
 */
const documentedForms = new WeakMap<z.ZodType, Record<string, unknown>>();

export function documentedAs<T extends z.ZodType>(schema: T, jsonSchema: Record<string, unknown>): T {
  documentedForms.set(schema, jsonSchema);
  return schema;
}

/** The OpenAPI 3.0 form of a zod schema: its input side for requests, its output side for answers. */
export function toOpenApiSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const documented = documentedForms.get(schema);
  if (documented) return documented;
  const json = z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function transformRouteSchema(schema: FastifySchema | undefined): FastifySchema | undefined {
  if (!schema) return schema;
  const out: Record<string, unknown> = { ...schema };
  for (const part of ["body", "querystring", "params", "headers"] as const) {
    const value = schema[part];
    if (isZodSchema(value)) out[part] = toOpenApiSchema(value, "input");
  }
  if (schema.response && typeof schema.response === "object") {
    const responses: Record<string, unknown> = {};
    for (const [status, value] of Object.entries(schema.response as Record<string, unknown>)) {
      responses[status] = isZodSchema(value) ? toOpenApiSchema(value, "output") : value;
    }
    out.response = responses;
  }
  return out as FastifySchema;
}

export interface OpenApiOptions {
  version: string;
}

/** Registers the document generator; call before any route is added so every route is seen. */
export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "PyGent Factory API",
        description: "Control plane for MCP servers. Errors are always `{\"error\":{\"code\",\"message\",\"details\"}}`.",
        version: options.version,
      },
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "An API token (pgf_...). Required once at least one token exists.",
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema: transformRouteSchema(schema) as FastifySchema, url }),
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { docExpansion: "list", deepLinking: true },
  });
}
