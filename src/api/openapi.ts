/**
 * The OpenAPI 3 document and the interactive docs page (/docs, /docs/json). The document is
 * written from the routes as they are added and the zod schemas they validate with, converted by
 * `z.toJSONSchema`, on its first request. The page's assets are the Swagger UI files that ship
 * with `@fastify/swagger-ui`, read from its folder on first request (so nothing of them loads at
 * start) and served from memory after that; it works offline.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import { z } from "zod";
import { AppError } from "../core/errors.js";
import { isZodSchema } from "./validation.js";

declare module "fastify" {
  /** What a route tells the document besides its parts' schemas. */
  interface FastifySchema {
    /** Left out of the document. */
    hide?: boolean;
    tags?: readonly string[];
    summary?: string;
    description?: string;
    operationId?: string;
    deprecated?: boolean;
  }
}

export const DOCS_PREFIX = "/docs";

type JsonSchema = Record<string, unknown>;

/**
 * A schema whose documented form is written by hand, for the few bodies whose validation is not
 * a plain zod object (the server entry is checked by validateServer so its messages match the
 * config file's).
 */
const documentedForms = new WeakMap<z.ZodType, JsonSchema | (() => JsonSchema)>();

/** `jsonSchema` may be a function: it is then called when the document is first written, not at load. */
export function documentedAs<T extends z.ZodType>(schema: T, jsonSchema: JsonSchema | (() => JsonSchema)): T {
  documentedForms.set(schema, jsonSchema);
  return schema;
}

/** The OpenAPI 3.0 form of a zod schema: its input side for requests, its output side for answers. */
export function toOpenApiSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const documented = documentedForms.get(schema);
  if (typeof documented === "function") {
    const written = documented();
    documentedForms.set(schema, written);
    return written;
  }
  if (documented) return documented;
  const json = z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

const asJsonSchema = (value: unknown, io: "input" | "output"): JsonSchema | undefined =>
  isZodSchema(value) ? toOpenApiSchema(value, io) : (value as JsonSchema | undefined);

/** Where a route's parts go as OpenAPI parameters. */
const PARAMETER_PARTS = [
  ["params", "path"],
  ["querystring", "query"],
  ["headers", "header"],
] as const;

/** One parameter per property of a part's object schema, its description lifted beside it. */
function parametersOf(schema: FastifySchema, pathNames: string[]): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [part, where] of PARAMETER_PARTS) {
    const json = asJsonSchema(schema[part], "input");
    const properties = (json?.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json?.required ?? []) as string[]);
    for (const [name, { description, ...property }] of Object.entries(properties)) {
      parameters.push({ name, in: where, required: where === "path" || required.has(name), schema: property, ...(description === undefined ? {} : { description }) });
    }
  }
  // A path parameter the route gives no schema for is still a string it needs.
  const declared = new Set(parameters.filter((parameter) => parameter.in === "path").map((parameter) => parameter.name));
  for (const name of pathNames) {
    if (!declared.has(name)) parameters.push({ name, in: "path", required: true, schema: { type: "string" } });
  }
  return parameters;
}

function responsesOf(schema: FastifySchema): JsonSchema {
  if (!schema.response || typeof schema.response !== "object") return { 200: { description: "Default Response" } };
  const responses: JsonSchema = {};
  for (const [status, value] of Object.entries(schema.response as Record<string, unknown>)) {
    const json = asJsonSchema(value, "output") ?? {};
    const description = typeof json.description === "string" ? json.description : "Default Response";
    responses[status] = json.type === "null" ? { description } : { description, content: { "application/json": { schema: json } } };
  }
  return responses;
}

function operationOf(schema: FastifySchema, pathNames: string[]): JsonSchema {
  const operation: JsonSchema = {};
  for (const field of ["summary", "description", "tags", "operationId", "deprecated"] as const) {
    if (schema[field] !== undefined) operation[field] = schema[field];
  }
  const parameters = parametersOf(schema, pathNames);
  if (parameters.length > 0) operation.parameters = parameters;
  const body = asJsonSchema(schema.body, "input");
  if (body) {
    const description = typeof body.description === "string" ? { description: body.description } : {};
    operation.requestBody = { required: true, ...description, content: { "application/json": { schema: body } } };
  }
  operation.responses = responsesOf(schema);
  return operation;
}

/** Fastify's `/servers/:id` as OpenAPI's `/servers/{id}`, with the names of its parameters. */
function openApiPath(url: string): { path: string; names: string[] } {
  const names: string[] = [];
  const path = url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_match, name: string) => {
    names.push(name);
    return `{${name}}`;
  });
  return { path, names };
}

export interface OpenApiOptions {
  version: string;
}

/**
 * Watches the routes as they are added and serves the document and the docs page; call before
 * any route is added so every route is seen.
 */
export function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): void {
  const routes: Pick<RouteOptions, "method" | "url" | "schema">[] = [];
  app.addHook("onRoute", ({ method, url, schema }) => {
    if (!schema?.hide) routes.push({ method, url, schema });
  });
  let document: JsonSchema | undefined;
  registerDocsPage(app, () => (document ??= openApiDocument(routes, options.version)));
}

function openApiDocument(routes: Pick<RouteOptions, "method" | "url" | "schema">[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const { path, names } = openApiPath(route.url);
    for (const method of [route.method].flat()) {
      // Fastify answers HEAD for every GET by itself; the document lists the GET.
      if (method === "HEAD") continue;
      (paths[path] ??= {})[method.toLowerCase()] = operationOf(route.schema ?? {}, names);
    }
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "PyGent Factory API",
      description: "Control plane for MCP servers. Errors are always `{\"error\":{\"code\",\"message\",\"details\"}}`.",
      version,
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token (pgf_...). Required once at least one token exists." },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
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

function registerDocsPage(app: FastifyInstance, document: () => JsonSchema): void {
  const hidden = { schema: { hide: true } };
  const assets = new Map<string, Promise<Buffer>>();
  const assetFolder = () => join(dirname(createRequire(import.meta.url).resolve("@fastify/swagger-ui/package.json")), "static");
  app.get(DOCS_PREFIX, hidden, async (_request, reply) => reply.type("text/html; charset=utf-8").send(DOCS_PAGE));
  app.get(`${DOCS_PREFIX}/json`, hidden, async () => document());
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
