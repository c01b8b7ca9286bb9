/**
 * The specification's discovery and marketplace endpoints: /api/v1/mcp/discovery/{servers,
 * install/{server_id}, categories, search} and /api/v1/mcp/marketplace/{featured, popular,
 * categories, search}. Reads are open to viewers; refresh, install and uninstall need the admin role.
 * Handlers parse (the schemas here do that), call the catalog or the install service, and shape
 * the answer. Catalog entries carry no secret values, and neither does anything answered here:
 * secrets given to an install are stored and only their names come back.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { AppError } from "../../core/errors.js";
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  entryTransports,
  installInputs,
  installNotesFor,
  marketplaceOf,
  runCommandFor,
  type Catalog,
  type CatalogEntry,
  type InstallService,
} from "../../discovery/index.js";
import type { McpManager } from "../../mcp/manager-types.js";
import { errorResponses, ServerIdSchema } from "../schemas/common.js";
import { ServerViewSchema } from "../schemas/servers.js";
import type { ZodTypeProvider } from "../validation.js";

/** What the discovery routes need; an optional ApiDeps field, so the routes exist only with it. */
export interface DiscoveryServices {
  catalog: Catalog;
  installs: InstallService;
  /**
   * Starts loading the catalog if that has not begun, and settles when it has loaded; requests
   * wait for it rather than see an empty catalog.
   */
  loaded?: () => Promise<unknown>;
}

export interface DiscoveryRoutesOptions extends DiscoveryServices {
  manager: McpManager;
}

const discoveryTags = ["discovery"];
const marketplaceTags = ["marketplace"];

// ---- wire schemas ---------------------------------------------------------------------------

/** A whole number from a query string, with a message a person can act on. */
function wholeNumber(description: string, min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .meta({ description });
}

const ServerIdParamsSchema = z.object({ server_id: ServerIdSchema });

const ListQuerySchema = z.object({
  category: z.string().min(1).max(100).optional().meta({ description: "Only this category" }),
  tag: z.string().min(1).max(50).optional().meta({ description: "Only servers with this tag" }),
  featured: z.enum(["true", "false"]).transform((v) => v === "true").optional().meta({ description: "Only featured (or only other) servers" }),
  transport: z.enum(["stdio", "sse", "http", "streamable-http"]).optional().meta({ description: "Reachable over this transport" }),
  registry_type: z.string().min(1).max(50).optional().meta({ description: "npm, pypi, oci, ... or remote" }),
  offset: wholeNumber("How many to skip", 0, 1_000_000),
  limit: wholeNumber(`Page size (default ${DEFAULT_PAGE_SIZE})`, 1, MAX_PAGE_SIZE),
});

const SearchQuerySchema = z.object({
  q: z.string().trim().min(1, "must not be empty").max(200).meta({ description: "Words to find in names, titles, descriptions and tags" }),
  offset: wholeNumber("How many to skip", 0, 10_000),
  limit: wholeNumber("How many results (default 20)", 1, 100),
});

const PopularQuerySchema = z.object({ limit: wholeNumber("How many (default 10)", 1, 100) });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE_CHARS = 16_384;

/**
 * A value for an environment variable or secret. Checked by hand so that a refusal never quotes
 * what was sent: the value may be a secret.
 */
const InputValueSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value !== "string") ctx.addIssue({ code: "custom", message: "must be a string" });
    else if (value.length > MAX_VALUE_CHARS) ctx.addIssue({ code: "custom", message: `must be at most ${MAX_VALUE_CHARS} characters` });
  })
  .transform((value) => value as string)
  .meta({ type: "string", maxLength: MAX_VALUE_CHARS });

const InputMapSchema = z
  .record(z.string().regex(ENV_NAME, "must be a variable name (letters, digits and '_')"), InputValueSchema)
  .refine((map) => Object.keys(map).length <= 100, { message: "at most 100 names" });

const InstallBodySchema = z
  .object({
    env: InputMapSchema.optional().meta({ description: "Values for the environment variables the server declares" }),
    secrets: InputMapSchema.optional().meta({
      description: "Like env, but stored as secrets outside the config and never returned or logged",
    }),
    arguments: z
      .record(z.string().min(1).max(100), z.union([z.string().max(4096), z.array(z.string().max(4096)).max(50)]))
      .optional()
      .meta({ description: "Values for package arguments, by positional value hint or flag (\"--db-path\")" }),
    start: z.boolean().optional().meta({ description: "Start the server after installing (default true)" }),
  })
  .strict()
  .optional()
  .transform((body) => body ?? {});

const UsageSchema = z.object({ installs: z.number().int(), tool_calls: z.number().int(), last_used_at: z.string().nullable() });

const CapabilitiesSummarySchema = z.object({
  server_name: z.string().nullable(),
  server_version: z.string().nullable(),
  tools: z.array(z.string()),
  resources: z.number().int(),
  prompts: z.number().int(),
  captured_at: z.string(),
});

const InputSpecSchema = z.object({
  name: z.string(),
  kind: z.enum(["env", "header", "variable", "argument"]),
  description: z.string().nullable(),
  required: z.boolean(),
  secret: z.boolean(),
});

export const DiscoveredServerSchema = z
  .object({
    id: z.string(),
    name: z.string().describe("The registry name, namespace/name"),
    title: z.string().nullable(),
    description: z.string(),
    version: z.string(),
    category: z.string(),
    tags: z.array(z.string()),
    featured: z.boolean(),
    transports: z.array(z.string()),
    registry_types: z.array(z.string()),
    website_url: z.string().nullable(),
    repository_url: z.string().nullable(),
    source: z.string().nullable(),
    install_command: z.array(z.string()),
    inputs: z.array(InputSpecSchema).describe("What an install asks for: environment variables, secrets, arguments"),
    runtime_flags: z.array(z.string()).describe("The docker run flags its OCI package asks for"),
    refused_runtime_flags: z.array(z.string()).describe("Flags refused unless discovery.oci.allow_unsafe_flags is set, and why"),
    argv_secrets: z.array(z.string()).describe("Secrets it takes on its command line, visible to ps on the daemon's machine while it runs"),
    installed: z.boolean().describe("A server with this id is registered with the daemon"),
    usage: UsageSchema,
    last_health: z.object({ status: z.string(), at: z.string() }).nullable(),
    capabilities: CapabilitiesSummarySchema.nullable(),
  })
  .meta({ description: "A server from the discovery catalog" });

const ServerPageSchema = z.object({
  servers: z.array(DiscoveredServerSchema),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});

export const ServerDetailSchema = DiscoveredServerSchema.extend({
  run_command: z.array(z.string()).describe("What the installed server runs, with <NAME> for the values an install asks for; empty for a remote server"),
  server_json: z.record(z.string(), z.unknown()).describe("The entry in the MCP Registry server.json format"),
});

export const CategoriesSchema = z.object({ categories: z.array(z.object({ name: z.string(), count: z.number().int() })) });

export const SearchResultSchema = z.object({
  query: z.string(),
  servers: z.array(DiscoveredServerSchema.extend({ score: z.number() })),
});

export const PopularSchema = z.object({
  servers: z.array(DiscoveredServerSchema.extend({ score: z.number().describe("installs x 10 + tool calls") })),
});

const ProgressSchema = z.object({
  phase: z.string(),
  message: z.string(),
  percent: z.number().optional(),
  at: z.number(),
});

const InstallSummarySchema = z.object({
  server_id: z.string(),
  catalog_id: z.string(),
  kind: z.enum(["npm", "pypi", "oci", "remote"]),
  package: z.object({ registry_type: z.string(), identifier: z.string(), version: z.string() }).nullable(),
  remote: z.object({ type: z.string(), url: z.string() }).nullable(),
  install_dir: z.string().nullable(),
  install_command: z.array(z.string()),
  secrets: z.array(z.string()).describe("Names of the secrets stored; never their values"),
  started: z.boolean(),
  capabilities: CapabilitiesSummarySchema.nullable(),
  duration_ms: z.number(),
  progress: z.array(ProgressSchema),
});

const RefreshReportSchema = z.object({
  sources: z.array(
    z.object({
      id: z.string(),
      status: z.enum(["ok", "cached", "failed"]).describe("ok: listed now; cached: not asked; failed: listing failed, previous entries kept"),
      entries: z.number().int(),
      error: z.string().optional(),
    }),
  ),
  total: z.number().int(),
  cache: z.enum(["ok", "missing", "corrupt", "stale", "none"]),
});

export const InstallResponseSchema = z.object({ server: ServerViewSchema, install: InstallSummarySchema });

const InstallStatusSchema = z.object({
  server_id: z.string(),
  operation: z.enum(["install", "uninstall"]),
  state: z.enum(["running", "done", "failed"]),
  phase: z.string(),
  message: z.string(),
  percent: z.number().nullable(),
  started_at: z.number(),
  finished_at: z.number().nullable(),
  progress: z.array(ProgressSchema),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

const UninstallResponseSchema = z.object({
  server_id: z.string(),
  unregistered: z.boolean(),
  removed_dir: z.string().nullable(),
  secrets_removed: z.number().int(),
});

// ---- views ----------------------------------------------------------------------------------

function viewer(catalog: Catalog, manager: McpManager) {
  const registered = new Set(manager.list().map((server) => server.id));
  return (entry: CatalogEntry) => {
    const market = marketplaceOf(entry);
    const id = market.id;
    const registryTypes = new Set((entry.packages ?? []).map((pkg) => pkg.registryType));
    if ((entry.remotes ?? []).length > 0) registryTypes.add("remote");
    return {
      id,
      name: entry.name,
      title: entry.title ?? null,
      description: entry.description,
      version: entry.version,
      category: market.category,
      tags: market.tags,
      featured: market.featured,
      transports: entryTransports(entry),
      registry_types: [...registryTypes],
      website_url: entry.websiteUrl ?? null,
      repository_url: entry.repository?.url ?? null,
      source: market.source ?? null,
      install_command: catalog.installCommand(id) ?? [],
      inputs: installInputs(entry),
      ...installNotesFor(entry),
      installed: registered.has(id),
      usage: catalog.usage(id) ?? { installs: 0, tool_calls: 0, last_used_at: null },
      last_health: catalog.lastHealth(id) ?? null,
      capabilities: catalog.capabilities(id) ?? null,
    };
  };
}

// ---- routes ---------------------------------------------------------------------------------

export const discoveryRoutes: FastifyPluginAsync<DiscoveryRoutesOptions> = async (plugin, { catalog, installs, manager, loaded }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  if (loaded) {
    plugin.addHook("onRequest", async () => {
      await loaded();
    });
  }

  const categories = () => ({ categories: catalog.categories() });
  const search = (query: z.output<typeof SearchQuerySchema>) => {
    const view = viewer(catalog, manager);
    const hits = catalog.search(query.q, {
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.offset !== undefined ? { offset: query.offset } : {}),
    });
    return { query: query.q, servers: hits.map((hit) => ({ ...view(hit.entry), score: Math.round(hit.score * 1000) / 1000 })) };
  };

  app.get(
    "/mcp/discovery/servers",
    {
      schema: {
        tags: discoveryTags,
        summary: "List discoverable servers",
        querystring: ListQuerySchema,
        response: { 200: ServerPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { offset, limit, ...filters } = request.query;
      const page = catalog.list({
        ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
        ...(offset !== undefined ? { offset } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      const view = viewer(catalog, manager);
      return { servers: page.servers.map(view), total: page.total, offset: page.offset, limit: page.limit };
    },
  );

  app.get(
    "/mcp/discovery/servers/:server_id",
    {
      schema: {
        tags: discoveryTags,
        summary: "One discoverable server, with its server.json",
        params: ServerIdParamsSchema,
        response: { 200: ServerDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const entry = catalog.get(request.params.server_id);
      if (!entry) throw new AppError("CATALOG_ENTRY_NOT_FOUND", `no server "${request.params.server_id}" in the discovery catalog`);
      return { ...viewer(catalog, manager)(entry), run_command: runCommandFor(entry), server_json: entry };
    },
  );

  app.get(
    "/mcp/discovery/categories",
    { schema: { tags: discoveryTags, summary: "Categories and how many servers each holds", response: { 200: CategoriesSchema, ...errorResponses(401, 403) } } },
    async () => categories(),
  );

  app.get(
    "/mcp/discovery/search",
    {
      schema: {
        tags: discoveryTags,
        summary: "Search servers, best match first",
        querystring: SearchQuerySchema,
        response: { 200: SearchResultSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => search(request.query),
  );

  app.post(
    "/mcp/discovery/refresh",
    {
      config: { role: "admin" },
      schema: {
        tags: discoveryTags,
        summary: "List every discovery source again now, whatever the cache's age; usage counts are kept",
        response: { 200: RefreshReportSchema, ...errorResponses(401, 403) },
      },
    },
    async () => catalog.refresh(),
  );

  app.post(
    "/mcp/discovery/install/:server_id",
    {
      // A refused install too: a secret sent under `arguments` must not reach the audit log.
      config: { role: "admin", auditValuesHidden: ["arguments", "env", "secrets"] },
      schema: {
        tags: discoveryTags,
        summary: "Install a server from the catalog, register and start it",
        description:
          "Installs only the catalog entry named by `server_id`. Answers when the install is done (or failed and rolled back); " +
          "progress goes out as `install_progress` events and can be polled with GET on the same path.",
        params: ServerIdParamsSchema,
        body: InstallBodySchema,
        response: { 201: InstallResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 502, 504) },
      },
    },
    async (request, reply) => {
      const result = await installs.install(request.params.server_id, request.body);
      return reply.code(201).send(result);
    },
  );

  app.get(
    "/mcp/discovery/install/:server_id",
    {
      schema: {
        tags: discoveryTags,
        summary: "Progress of the install (or uninstall) under way, or of the last one",
        params: ServerIdParamsSchema,
        response: { 200: InstallStatusSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const status = installs.status(request.params.server_id);
      if (!status) throw new AppError("NOT_FOUND", `no install of "${request.params.server_id}" is under way or recent`);
      return status;
    },
  );

  app.delete(
    "/mcp/discovery/install/:server_id",
    {
      config: { role: "admin" },
      schema: {
        tags: discoveryTags,
        summary: "Uninstall a server: stop it, unregister it, remove its files and secrets",
        params: ServerIdParamsSchema,
        response: { 200: UninstallResponseSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => installs.uninstall(request.params.server_id),
  );

  app.get(
    "/mcp/marketplace/featured",
    {
      schema: {
        tags: marketplaceTags,
        summary: "Featured servers",
        response: { 200: z.object({ servers: z.array(DiscoveredServerSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ servers: catalog.featured().map(viewer(catalog, manager)) }),
  );

  app.get(
    "/mcp/marketplace/popular",
    {
      schema: {
        tags: marketplaceTags,
        summary: "Servers ranked by use here: installs and tool calls",
        querystring: PopularQuerySchema,
        response: { 200: PopularSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const view = viewer(catalog, manager);
      const ranked = catalog.popular(request.query.limit !== undefined ? { limit: request.query.limit } : {});
      return { servers: ranked.map((item) => ({ ...view(item.entry), score: item.score })) };
    },
  );

  app.get(
    "/mcp/marketplace/categories",
    { schema: { tags: marketplaceTags, summary: "Marketplace categories", response: { 200: CategoriesSchema, ...errorResponses(401, 403) } } },
    async () => categories(),
  );

  app.get(
    "/mcp/marketplace/search",
    {
      schema: {
        tags: marketplaceTags,
        summary: "Search the marketplace, best match first",
        querystring: SearchQuerySchema,
        response: { 200: SearchResultSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => search(request.query),
  );
};
