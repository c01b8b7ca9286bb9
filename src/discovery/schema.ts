/**
 * The catalog entry: an MCP server described in the official MCP Registry's `server.json` form
 * (current generation, camelCase, schema 2025-09-29 and later), plus our marketplace fields under
 * `_meta["io.pygent/marketplace"]`. Remote registries add fields we do not use, so objects are
 * loose (unknown keys pass through untouched) while every field we read is validated.
 *
 * `normalizeServerJson` also accepts the older snake_case generation (`version_detail`,
 * `registry_name`, `environment_variables`, `transport_type`, ...) and rewrites it to the current
 * one, so the rest of the product reads a single shape.
 */
import { z } from "zod";
import { HttpUrlSchema } from "../config/schema.js";
import { AppError, type FieldIssue } from "../core/errors.js";
import { serverIdProblem } from "../core/ids.js";
import { formatIssues, zodIssues } from "../config/validate.js";

/** Our namespace inside `_meta`, reverse-DNS as the registry asks of extensions. */
export const MARKETPLACE_META_KEY = "io.pygent/marketplace";
/** The official registry's own metadata namespace (status, publishedAt, isLatest). */
export const OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official";

/** `namespace/name`, the namespace reverse-DNS (io.github.owner, com.example). */
export const SERVER_NAME_PATTERN = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;

/**
 * A transport URL may start with a `{variable}` the client fills in (the registry allows it), so
 * only a literal scheme is checked here; install-plan checks the URL again after substitution.
 */
const UrlTemplateSchema = z.string().superRefine((value, ctx) => {
  if (/^\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value)) return;
  if (!/^https?:\/\/\S+$/.test(value)) {
    ctx.addIssue({ code: "custom", message: "must be an http(s) URL or start with a {variable}" });
  }
});

const ServerIdSchema = z.string().superRefine((id, ctx) => {
  const problem = serverIdProblem(id);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const InputFields = {
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  /** string | number | boolean | filepath in the spec; kept open for newer registries. */
  format: z.string().optional(),
  value: z.string().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
};

export const InputSchema = z.looseObject(InputFields);
export type Input = z.infer<typeof InputSchema>;

const InputWithVariablesFields = {
  ...InputFields,
  variables: z.record(z.string(), InputSchema).optional(),
};

/** An environment variable or an HTTP header. */
export const KeyValueInputSchema = z.looseObject({
  ...InputWithVariablesFields,
  name: z.string().min(1, "must not be empty"),
});
export type KeyValueInput = z.infer<typeof KeyValueInputSchema>;

export const PositionalArgumentSchema = z.looseObject({
  ...InputWithVariablesFields,
  type: z.literal("positional"),
  valueHint: z.string().optional(),
  isRepeated: z.boolean().optional(),
});

export const NamedArgumentSchema = z.looseObject({
  ...InputWithVariablesFields,
  type: z.literal("named"),
  name: z.string().min(1, "must not be empty"),
  isRepeated: z.boolean().optional(),
});

export const ArgumentSchema = z.discriminatedUnion("type", [PositionalArgumentSchema, NamedArgumentSchema]);
export type Argument = z.infer<typeof ArgumentSchema>;

export const PackageTransportSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("stdio") }),
  z.looseObject({
    type: z.literal("streamable-http"),
    url: UrlTemplateSchema,
    headers: z.array(KeyValueInputSchema).optional(),
  }),
  z.looseObject({
    type: z.literal("sse"),
    url: UrlTemplateSchema,
    headers: z.array(KeyValueInputSchema).optional(),
  }),
]);
export type PackageTransport = z.infer<typeof PackageTransportSchema>;

export const PackageSchema = z.looseObject({
  /** npm, pypi, oci, nuget, mcpb, ...: open, because registries add kinds; install-plan decides what it can run. */
  registryType: z.string().min(1, "must not be empty"),
  registryBaseUrl: HttpUrlSchema.optional(),
  identifier: z.string().min(1, "must not be empty"),
  version: z
    .string()
    .min(1, "must not be empty")
    .max(255)
    .refine((v) => v !== "latest", { message: 'must be a specific version, not "latest"' })
    .optional(),
  runtimeHint: z.string().optional(),
  transport: PackageTransportSchema,
  runtimeArguments: z.array(ArgumentSchema).optional(),
  packageArguments: z.array(ArgumentSchema).optional(),
  environmentVariables: z.array(KeyValueInputSchema).optional(),
  fileSha256: z.string().regex(/^[a-f0-9]{64}$/, "must be 64 lowercase hex digits").optional(),
});
export type Package = z.infer<typeof PackageSchema>;

export const RemoteSchema = z.looseObject({
  type: z.enum(["sse", "streamable-http"]),
  url: UrlTemplateSchema,
  headers: z.array(KeyValueInputSchema).optional(),
  variables: z.record(z.string(), InputSchema).optional(),
});
export type Remote = z.infer<typeof RemoteSchema>;

export const RepositorySchema = z.looseObject({
  url: HttpUrlSchema,
  source: z.string().min(1, "must not be empty"),
  id: z.string().optional(),
  subfolder: z.string().optional(),
});
export type Repository = z.infer<typeof RepositorySchema>;

/** Our fields: the short id people and the API use, and what the marketplace shows. */
export const MarketplaceMetaSchema = z.looseObject({
  id: ServerIdSchema,
  category: z.string().min(1, "must not be empty").max(100),
  tags: z.array(z.string().min(1).max(50)).max(50).default([]),
  featured: z.boolean().default(false),
  /** Installs reported by the source (e.g. a registry's own count); our own counts live in the cache. */
  install_count: z.number().int().min(0).optional(),
  /** Which discovery source produced the entry (builtin, registry, local-scan, ...). */
  source: z.string().optional(),
  /** True when the server is already installed on this machine (found by the local scan). */
  local: z.boolean().optional(),
  /** For a local npm package: the folder holding node_modules it was found in. */
  install_prefix: z.string().optional(),
  /** For an npm package: its bin file relative to the package root, when known. */
  bin: z
    .string()
    .refine((bin) => !bin.startsWith("/") && !bin.split(/[\\/]/).includes(".."), "must be a path inside the package")
    .optional(),
});
export type MarketplaceMeta = z.infer<typeof MarketplaceMetaSchema>;

export const OfficialMetaSchema = z.looseObject({
  status: z.string().optional(),
  publishedAt: z.string().optional(),
  updatedAt: z.string().optional(),
  isLatest: z.boolean().optional(),
});
export type OfficialMeta = z.infer<typeof OfficialMetaSchema>;

const ServerJsonFields = {
  $schema: z.string().optional(),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(SERVER_NAME_PATTERN, 'must be "namespace/name" in reverse-DNS form, e.g. "io.github.owner/repo"'),
  title: z.string().min(1).max(100).optional(),
  /** The official registry caps this at 100 characters; other registries are allowed more. */
  description: z.string().min(1, "must not be empty").max(2000),
  version: z.string().min(1, "must not be empty").max(255),
  websiteUrl: HttpUrlSchema.optional(),
  repository: RepositorySchema.optional(),
  packages: z.array(PackageSchema).optional(),
  remotes: z.array(RemoteSchema).optional(),
};

/** A server.json as a registry serves it: our marketplace fields may be absent. */
export const ServerJsonSchema = z.looseObject({
  ...ServerJsonFields,
  _meta: z
    .looseObject({
      [MARKETPLACE_META_KEY]: MarketplaceMetaSchema.optional(),
      [OFFICIAL_META_KEY]: OfficialMetaSchema.optional(),
    })
    .optional(),
});
export type ServerJson = z.infer<typeof ServerJsonSchema>;

/** A catalog entry: a server.json that carries our marketplace fields. */
export const CatalogEntrySchema = z.looseObject({
  ...ServerJsonFields,
  _meta: z.looseObject({
    [MARKETPLACE_META_KEY]: MarketplaceMetaSchema,
    [OFFICIAL_META_KEY]: OfficialMetaSchema.optional(),
  }),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;
/** A catalog entry as written by hand (defaults not yet filled in). */
export type CatalogEntryInput = z.input<typeof CatalogEntrySchema>;

/** The marketplace fields of an entry. */
export function marketplaceOf(entry: CatalogEntry): MarketplaceMeta {
  return entry._meta[MARKETPLACE_META_KEY];
}

/** The short server id of an entry. */
export function entryId(entry: CatalogEntry): string {
  return entry._meta[MARKETPLACE_META_KEY].id;
}

/** Every transport an entry can be reached by: its packages' and its remotes'. */
export function entryTransports(entry: CatalogEntry): Array<"stdio" | "sse" | "streamable-http"> {
  const out = new Set<"stdio" | "sse" | "streamable-http">();
  for (const pkg of entry.packages ?? []) out.add(pkg.transport.type);
  for (const remote of entry.remotes ?? []) out.add(remote.type);
  return [...out];
}

/**
 * A server id made from a registry name: the part after the slash, lower-cased, with anything
 * our id rule refuses turned into '-'. "io.github.upstash/context7" -> "context7".
 */
export function idFromServerName(name: string): string {
  const tail = name.includes("/") ? name.slice(name.lastIndexOf("/") + 1) : name;
  return sanitizeId(tail);
}

/** A longer id from the whole name, used when the short one is already taken. */
export function qualifiedIdFromServerName(name: string): string {
  return sanitizeId(name.replace(/\//g, "-"));
}

function sanitizeId(raw: string): string {
  let id = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/-+$/, "");
  if (id.length > 64) id = id.slice(0, 64).replace(/[^a-z0-9]+$/, "");
  return id.length > 0 ? id : "server";
}

export interface NormalizeOptions {
  /** Marketplace fields to use when the document has none (a registry's entries never do). */
  defaults?: Partial<MarketplaceMeta>;
  /** Official-registry metadata from the list response's wrapper, merged into `_meta`. */
  official?: OfficialMeta;
  /** Prefix for field names in error messages, e.g. "servers[3]". */
  label?: string;
  /**
   * The document comes from a publisher we do not vouch for (a remote registry): the marketplace
   * fields that only this machine may set (where it is installed, which file runs, which source
   * and whether it is featured) are dropped from what it brings.
   */
  untrusted?: boolean;
}

/** Marketplace fields a publisher cannot set for itself. */
const TRUSTED_ONLY_FIELDS = ["local", "install_prefix", "bin", "source", "featured"] as const;

/**
 * Validates a server.json of either generation and returns it as a catalog entry in the current
 * one. Throws VALIDATION_FAILED whose message names every bad field.
 */
export function normalizeServerJson(raw: unknown, options: NormalizeOptions = {}): CatalogEntry {
  const result = tryNormalizeServerJson(raw, options);
  if (!result.ok) {
    throw new AppError("VALIDATION_FAILED", formatIssues(result.issues), { issues: result.issues });
  }
  return result.value;
}

export type NormalizeResult = { ok: true; value: CatalogEntry } | { ok: false; issues: FieldIssue[] };

/** Like normalizeServerJson, but returns the problems instead of throwing. */
export function tryNormalizeServerJson(raw: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const prefix = options.label ?? "";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ field: prefix || "(root)", message: "must be a JSON object" }] };
  }
  const current = isLegacy(raw as Record<string, unknown>) ? fromLegacy(raw as Record<string, unknown>) : raw;
  const parsed = ServerJsonSchema.safeParse(current);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, prefix) };

  const server = parsed.data;
  const defaults = Object.fromEntries(
    Object.entries(options.defaults ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<MarketplaceMeta>;
  const existing = server._meta?.[MARKETPLACE_META_KEY];
  const market: Record<string, unknown> = existing
    ? { ...existing }
    : { id: idFromServerName(server.name), category: "other", tags: [], featured: false, ...defaults };
  if (existing && options.untrusted) for (const field of TRUSTED_ONLY_FIELDS) delete market[field];
  if (market.source === undefined && defaults.source !== undefined) market.source = defaults.source;
  const official = options.official ?? server._meta?.[OFFICIAL_META_KEY];
  const candidate = {
    ...server,
    _meta: {
      ...server._meta,
      [MARKETPLACE_META_KEY]: market,
      ...(official ? { [OFFICIAL_META_KEY]: official } : {}),
    },
  };
  const entry = CatalogEntrySchema.safeParse(candidate);
  if (!entry.success) return { ok: false, issues: zodIssues(entry.error, prefix) };
  return { ok: true, value: entry.data };
}

// ---- the older, snake_case generation --------------------------------------------------------

const LEGACY_TOP_KEYS = ["version_detail", "website_url"];
const LEGACY_PACKAGE_KEYS = [
  "registry_name",
  "registry_type",
  "registry_base_url",
  "runtime_hint",
  "runtime_arguments",
  "package_arguments",
  "environment_variables",
  "file_sha256",
];

function isLegacy(raw: Record<string, unknown>): boolean {
  if (LEGACY_TOP_KEYS.some((key) => key in raw)) return true;
  const packages = Array.isArray(raw.packages) ? raw.packages : [];
  if (packages.some((pkg) => isRecord(pkg) && LEGACY_PACKAGE_KEYS.some((key) => key in pkg))) return true;
  const remotes = Array.isArray(raw.remotes) ? raw.remotes : [];
  return remotes.some((remote) => isRecord(remote) && "transport_type" in remote);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());
}

/**
 * Renames snake_case keys to camelCase, except inside maps whose keys are names chosen by a
 * publisher (`variables`) or by another vendor (`_meta`).
 */
function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "_meta") out[key] = inner;
    else if (key === "variables" && isRecord(inner)) {
      out[key] = Object.fromEntries(Object.entries(inner).map(([name, input]) => [name, camelizeKeys(input)]));
    } else out[camel(key)] = camelizeKeys(inner);
  }
  return out;
}

/** The old registry called OCI images "docker". */
function legacyRegistryType(value: unknown): unknown {
  return value === "docker" ? "oci" : value;
}

function fromLegacy(raw: Record<string, unknown>): Record<string, unknown> {
  const doc = camelizeKeys(raw) as Record<string, unknown>;
  const detail = doc.versionDetail;
  delete doc.versionDetail;
  if (doc.version === undefined && isRecord(detail) && typeof detail.version === "string") doc.version = detail.version;
  // The old generation kept a lifecycle status at top level; the new one keeps it in the registry's _meta.
  if (typeof doc.status === "string") {
    const meta = isRecord(doc._meta) ? { ...doc._meta } : {};
    const official = isRecord(meta[OFFICIAL_META_KEY]) ? { ...meta[OFFICIAL_META_KEY] } : {};
    if (official.status === undefined) official.status = doc.status;
    meta[OFFICIAL_META_KEY] = official;
    doc._meta = meta;
    delete doc.status;
  }
  if (Array.isArray(doc.packages)) {
    doc.packages = doc.packages.map((pkg) => {
      if (!isRecord(pkg)) return pkg;
      const out: Record<string, unknown> = { ...pkg };
      if (out.registryType === undefined && out.registryName !== undefined) out.registryType = out.registryName;
      out.registryType = legacyRegistryType(out.registryType);
      delete out.registryName;
      if (out.identifier === undefined && out.name !== undefined) out.identifier = out.name;
      delete out.name;
      // Old entries were all stdio packages and did not say so.
      if (out.transport === undefined) out.transport = { type: "stdio" };
      return out;
    });
  }
  if (Array.isArray(doc.remotes)) {
    doc.remotes = doc.remotes.map((remote) => {
      if (!isRecord(remote)) return remote;
      const out: Record<string, unknown> = { ...remote };
      if (out.type === undefined && out.transportType !== undefined) out.type = out.transportType;
      delete out.transportType;
      // "http" was briefly used for what is now "streamable-http".
      if (out.type === "http") out.type = "streamable-http";
      return out;
    });
  }
  return doc;
}
