/**
 * The discovery source over an MCP registry speaking the official Registry API
 * (`GET /v0.1/servers?cursor=&limit=&search=&version=latest`). It follows `metadata.nextCursor`
 * page by page, bounded by a page count and one deadline for the whole listing, and skips any
 * entry that fails validation with a logged warning: one bad publisher must not hide the rest.
 */
import { z } from "zod";
import { withDeadline } from "../core/deadline.js";
import { AppError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { OFFICIAL_META_KEY, OfficialMetaSchema, tryNormalizeServerJson, type CatalogEntry } from "./schema.js";
import type { DiscoverySource, DiscoverySourceListOptions } from "./source.js";

export const REGISTRY_SOURCE_ID = "registry";
export const OFFICIAL_REGISTRY_URL = "https://registry.modelcontextprotocol.io";

export const RegistrySourceOptionsSchema = z
  .object({
    id: z.string().min(1).default(REGISTRY_SOURCE_ID),
    base_url: z.string().default(OFFICIAL_REGISTRY_URL),
    /** v0.1 is the frozen current API; v0 is the older one with the same shape. */
    api_version: z.enum(["v0.1", "v0"]).default("v0.1"),
    page_size: z.number().int().min(1).max(100).default(100),
    max_pages: z.number().int().min(1).max(1000).default(20),
    /** One deadline for the whole listing, all pages together. */
    timeout_ms: z.number().int().min(1).max(600_000).default(15_000),
    /** Largest response body accepted, so a misbehaving registry cannot exhaust memory. */
    max_response_bytes: z.number().int().min(1024).default(8 * 1024 * 1024),
    /** The registry's own name filter (substring match on server names). */
    search: z.string().min(1).max(200).optional(),
    /** Category given to entries, which registries do not classify. */
    category: z.string().min(1).default("other"),
  })
  .strict();
export type RegistrySourceOptions = z.input<typeof RegistrySourceOptionsSchema>;

export interface RegistrySourceDeps {
  logger: Logger;
  /** Injected for tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
}

const ListResponseSchema = z.looseObject({
  servers: z.array(z.unknown()).nullable().default([]),
  metadata: z
    .looseObject({
      nextCursor: z.string().nullish(),
      next_cursor: z.string().nullish(),
      count: z.number().optional(),
    })
    .nullish(),
});

export function createRegistrySource(options: RegistrySourceOptions, deps: RegistrySourceDeps): DiscoverySource {
  const settings = RegistrySourceOptionsSchema.parse(options);
  const base = parseBaseUrl(settings.base_url);
  const doFetch = deps.fetch ?? fetch;
  const logger = deps.logger.child({ module: "discovery.registry", source: settings.id });

  async function fetchPage(cursor: string | undefined, signal: AbortSignal): Promise<z.infer<typeof ListResponseSchema>> {
    const url = new URL(`${base.pathname.replace(/\/+$/, "")}/${settings.api_version}/servers`, base);
    url.searchParams.set("limit", String(settings.page_size));
    url.searchParams.set("version", "latest");
    if (settings.search) url.searchParams.set("search", settings.search);
    if (cursor !== undefined) url.searchParams.set("cursor", cursor);

    const response = await doFetch(url, { signal, headers: { accept: "application/json" }, redirect: "follow" });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw sourceError(settings.id, `GET ${url.pathname} answered HTTP ${response.status}`, "http");
    }
    const text = await readLimited(response, settings.max_response_bytes, settings.id);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw sourceError(settings.id, `GET ${url.pathname} did not answer JSON`, "invalid");
    }
    const parsed = ListResponseSchema.safeParse(json);
    if (!parsed.success) throw sourceError(settings.id, `GET ${url.pathname} answered an unexpected shape`, "invalid");
    return parsed.data;
  }

  return {
    id: settings.id,
    remote: true,
    async list(listOptions: DiscoverySourceListOptions = {}): Promise<CatalogEntry[]> {
      const deadline = withDeadline(settings.timeout_ms, listOptions.signal);
      const signal = deadline.signal;
      const byName = new Map<string, CatalogEntry>();
      const seenCursors = new Set<string>();
      let cursor: string | undefined;
      let skipped = 0;
      let pages = 0;

      try {
        for (; pages < settings.max_pages; ) {
          const page = await fetchPage(cursor, signal);
          pages += 1;
          (page.servers ?? []).forEach((item, index) => {
            const entry = toEntry(item, `page ${pages} servers[${index}]`);
            if (entry === undefined) {
              skipped += 1;
              return;
            }
            const previous = byName.get(entry.name);
            // A registry that ignores version=latest sends every version; keep the latest.
            if (previous === undefined || entry._meta[OFFICIAL_META_KEY]?.isLatest === true) byName.set(entry.name, entry);
          });
          const next = page.metadata?.nextCursor ?? page.metadata?.next_cursor ?? undefined;
          if (!next) break;
          if (seenCursors.has(next)) {
            logger.warn({ cursor: next }, "registry repeated a cursor; stopping pagination");
            break;
          }
          seenCursors.add(next);
          cursor = next;
          if (pages === settings.max_pages) {
            logger.warn({ max_pages: settings.max_pages }, "registry has more pages than max_pages; listing truncated");
          }
        }
      } catch (error) {
        if (listOptions.signal?.aborted) throw listOptions.signal.reason;
        if (signal.aborted) {
          throw sourceError(settings.id, `listing timed out after ${settings.timeout_ms} ms (${pages} pages read)`, "timeout");
        }
        if (error instanceof AppError) throw error;
        throw sourceError(settings.id, `request failed: ${errorMessage(error)}`, "network");
      } finally {
        deadline.dispose();
      }

      logger.debug({ pages, entries: byName.size, skipped }, "registry listed");
      return [...byName.values()];
    },
  };

  function toEntry(item: unknown, label: string): CatalogEntry | undefined {
    // v0.1 wraps each server as {server, _meta}; older registries sent the server itself.
    const wrapped = typeof item === "object" && item !== null && "server" in item;
    const raw = wrapped ? (item as { server: unknown }).server : item;
    const wrapperMeta = wrapped ? (item as { _meta?: Record<string, unknown> })._meta : undefined;
    const officialRaw = wrapperMeta?.[OFFICIAL_META_KEY] ?? wrapperMeta?.["io.modelcontextprotocol.registry"];
    const official = OfficialMetaSchema.safeParse(officialRaw ?? {});

    const result = tryNormalizeServerJson(raw, {
      label,
      untrusted: true,
      defaults: { source: settings.id, category: settings.category },
      ...(officialRaw !== undefined && official.success ? { official: official.data } : {}),
    });
    if (!result.ok) {
      const name = typeof raw === "object" && raw !== null ? (raw as { name?: unknown }).name : undefined;
      logger.warn({ entry: label, name, issues: result.issues }, "skipping an invalid registry entry");
      return undefined;
    }
    const status = result.value._meta[OFFICIAL_META_KEY]?.status;
    if (status === "deleted") return undefined;
    return result.value;
  }
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError("CONFIG_INVALID", `registry base_url: must be an absolute http(s) URL, not ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError("CONFIG_INVALID", `registry base_url: must use http or https, not ${url.protocol.replace(":", "")}`);
  }
  if (url.username || url.password) {
    throw new AppError("CONFIG_INVALID", "registry base_url: must not carry credentials");
  }
  return url;
}

async function readLimited(response: Response, maxBytes: number, sourceId: string): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw sourceError(sourceId, `response of ${declared} bytes exceeds the ${maxBytes}-byte limit`, "invalid");
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw sourceError(sourceId, `response exceeds the ${maxBytes}-byte limit`, "invalid");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The catalogue has no code for an upstream discovery failure yet, so INTERNAL carries the
 * reason in its details; the catalog logs these and keeps serving what it has.
 */
function sourceError(sourceId: string, message: string, reason: "http" | "invalid" | "network" | "timeout"): AppError {
  return new AppError("INTERNAL", `discovery source ${sourceId}: ${message}`, { source: sourceId, reason });
}
