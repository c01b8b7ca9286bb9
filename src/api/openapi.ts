/**
 * The OpenAPI 3 document and the interactive docs page (/docs, /docs/json). Both are generated
 * from the zod schemas the routes validate with, converted by `z.toJSONSchema`. The page's assets
 * are the Swagger UI files that ship with `@fastify/swagger-ui`, read from its folder on first
 * request (so nothing of them loads at start) and served from memory after that; it works offline.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import swagger from "@fastify/swagger";
import type { FastifyInstance, FastifySchema } from "fastify";
import { z } from "zod";
import { AppError } from "../core/errors.js";
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
  registerDocsPage(app);
}

/** The page's files by name, with their types; only these names are ever read. */
const DOCS_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>PyGent Factory API</title>
    <link rel="stylesheet" type="text/css" href="${DOCS_PREFIX}/static/swagger-ui.css">
    <link rel="icon" type="image/png" href="${DOCS_PREFIX}/static/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PREFIX}/static/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${DOCS_PREFIX}/static/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="${DOCS_PREFIX}/static/initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

const DOCS_INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "${DOCS_PREFIX}/json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
};
`;

function registerDocsPage(app: FastifyInstance): void {
  const hidden = { schema: { hide: true } };
  const assets = new Map<string, Promise<Buffer>>();
  const assetFolder = () => join(dirname(createRequire(import.meta.url).resolve("@fastify/swagger-ui/package.json")), "static");
  app.get(DOCS_PREFIX, hidden, async (_request, reply) => reply.type("text/html; charset=utf-8").send(DOCS_PAGE));
  app.get(`${DOCS_PREFIX}/json`, hidden, async () => app.swagger());
  app.get(`${DOCS_PREFIX}/static/initializer.js`, hidden, async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(DOCS_INITIALIZER),
  );
  app.get<{ Params: { file: string } }>(`${DOCS_PREFIX}/static/:file`, hidden, async (request, reply) => {
    const { file } = request.params;
    const type = Object.hasOwn(DOCS_ASSETS, file) ? DOCS_ASSETS[file] : undefined;
    if (!type) throw new AppError("NOT_FOUND", `the docs page has no file named ${JSON.stringify(file)}`);
    let body = assets.get(file);
    if (!body) {
      body = readFile(join(assetFolder(), file));
      assets.set(file, body);
      body.catch(() => assets.delete(file));
    }
    return reply.type(type).header("cache-control", "public, max-age=3600").send(await body);
  });
}
