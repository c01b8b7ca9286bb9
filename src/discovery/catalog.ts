/**
 * The catalog: every discovery source merged into one list of servers, with the marketplace's
 * views over it (filtered pages, categories, search, featured, popular) and the usage counts that
 * rank "popular". It owns the discovery cache: it loads it at start, rebuilds it from the sources
 * when it is missing, corrupt or stale, and writes it back after each refresh and usage change.
 *
 * Merging: sources are taken in order with the built-in catalog first; an entry whose registry
 * name, npm/PyPI/OCI package or remote URL was already seen is a duplicate and dropped (a
 * locally installed copy of the same package version marks the kept entry as installed). An id
 * already taken by a different server gets a longer id made from its registry name.
 *
 * Queries are synchronous over the in-memory state: call `load()` once when the daemon starts.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import { AppError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { DiscoveryUsageRepository } from "../store/index.js";
import { BUILTIN_SOURCE_ID } from "./builtin-source.js";
import type { CacheFile, CachedServer, CapabilitiesSummary, DiscoveryCache, HealthStatus, Usage } from "./cache.js";
import { installCommandFor } from "./install-plan.js";
import {
  entryId,
  entryTransports,
  MARKETPLACE_META_KEY,
  marketplaceOf,
  qualifiedIdFromServerName,
  type CatalogEntry,
} from "./schema.js";
import { buildSearchIndex, type SearchIndex } from "./search-ranking.js";
import type { DiscoverySource } from "./source.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface CatalogOptions {
  sources: readonly DiscoverySource[];
  /** Without a cache the catalog still works, listing every source at each start. */
  cache?: DiscoveryCache;
  /** Where usage is kept; without it usage lives in the cache file only and is lost with it. */
  usage?: DiscoveryUsageRepository;
  logger: Logger;
  clock: Clock;
  /** Cached entries of remote sources younger than this are used without asking again (6 h). */
  maxCacheAgeMs?: number;
  /** Tool-call counts and health are written (store and cache file) at most this often (5 s); installs at once. */
  flushDelayMs?: number;
}

export interface ListQuery {
  category?: string;
  tag?: string;
  featured?: boolean;
  /** stdio, sse or streamable-http ("http" is taken for streamable-http). */
  transport?: string;
  /** npm, pypi, oci, ... or "remote" for servers reached over the network. */
  registry_type?: string;
  offset?: number;
  limit?: number;
}

export interface CatalogPage {
  total: number;
  offset: number;
  limit: number;
  servers: CatalogEntry[];
}

export interface CategoryCount {
  name: string;
  count: number;
}

export interface SearchHit {
  entry: CatalogEntry;
  score: number;
}

export interface PopularServer {
  entry: CatalogEntry;
  installs: number;
  tool_calls: number;
  score: number;
}

export interface SourceReport {
  id: string;
  /** ok: listed now; cached: served from the cache; failed: listing failed, previous entries kept. */
  status: "ok" | "cached" | "failed";
  entries: number;
  error?: string;
}

export interface RefreshReport {
  sources: SourceReport[];
  total: number;
  cache: "ok" | "missing" | "corrupt" | "stale" | "none";
}

export interface Catalog {
  /** Reads the cache and refreshes what it cannot trust; never throws for a bad source or cache. */
  load(options?: { signal?: AbortSignal }): Promise<RefreshReport>;
  /**
   * Lists the sources again (all, the ids given, or with `local`, those that do not reach over
   * the network) and writes the cache.
   */
  refresh(options?: { signal?: AbortSignal; sources?: readonly string[]; local?: boolean }): Promise<RefreshReport>;
  list(query?: ListQuery): CatalogPage;
  get(id: string): CatalogEntry | undefined;
  /** Like get, but throws SERVER_NOT_FOUND. */
  require(id: string): CatalogEntry;
  categories(): CategoryCount[];
  search(query: string, options?: { limit?: number; offset?: number }): SearchHit[];
  featured(): CatalogEntry[];
  /** Ranked by our usage (installs weigh ten tool calls), then the source's install count. */
  popular(options?: { limit?: number }): PopularServer[];
  installCommand(id: string): string[] | undefined;
  usage(id: string): Usage | undefined;
  lastHealth(id: string): { status: HealthStatus; at: string } | null | undefined;
  /** Counts an install and writes the cache; false for an id the catalog does not hold. */
  recordInstall(id: string): Promise<boolean>;
  recordToolCalls(id: string, count: number): boolean;
  recordHealth(id: string, status: HealthStatus): boolean;
  /** Keeps what the server served after it was installed, and writes the cache. */
  recordCapabilities(id: string, capabilities: Omit<CapabilitiesSummary, "captured_at">): Promise<boolean>;
  capabilities(id: string): CapabilitiesSummary | null | undefined;
  /**
   * Takes a new set of sources (after a config reload): entries of sources no longer given are
   * dropped and sources that are new or whose fingerprint changed are listed now.
   */
  setSources(next: readonly DiscoverySource[], options?: { signal?: AbortSignal }): Promise<RefreshReport>;
  /** Writes pending usage and health now. */
  flush(): Promise<void>;
  /** Flushes and stops the write timer. */
  close(): Promise<void>;
}

interface ServerState {
  install_command: string[];
  last_health: { status: HealthStatus; at: string } | null;
  usage: Usage;
  capabilities?: CapabilitiesSummary;
}

const INSTALL_WEIGHT = 10;

export function createCatalog(options: CatalogOptions): Catalog {
  const { clock, cache } = options;
  const logger = options.logger.child({ module: "discovery.catalog" });
  const maxCacheAgeMs = options.maxCacheAgeMs ?? 6 * 60 * 60 * 1000;
  const flushDelayMs = options.flushDelayMs ?? 5000;
  let sources = orderSources(options.sources);

  let entries: CatalogEntry[] = [];
  let byId = new Map<string, CatalogEntry>();
  let index: SearchIndex = buildSearchIndex([]);
  const lastBySource = new Map<string, CatalogEntry[]>();
  /** The fingerprint each source had when its entries in lastBySource were listed. */
  const listedAs = new Map<string, string>();
  const state = new Map<string, ServerState>();
  let flushTimer: TimerHandle | undefined;
  /** Servers whose tool-call counts changed since their usage was last stored. */
  const unsavedUsage = new Set<string>();
  let writes: Promise<void> = Promise.resolve();
  let refreshing: Promise<RefreshReport> | undefined;

  function stateOf(id: string): ServerState {
    let found = state.get(id);
    if (!found) {
      found = { install_command: [], last_health: null, usage: { installs: 0, tool_calls: 0, last_used_at: null } };
      state.set(id, found);
    }
    return found;
  }

  /** The clock's instant as ISO text, made once per millisecond: every tool call stamps its server's usage. */
  let stamped = { at: Number.NaN, iso: "" };
  function nowIso(): string {
    const at = clock.now();
    if (at !== stamped.at) stamped = { at, iso: new Date(at).toISOString() };
    return stamped.iso;
  }

  function merge(): void {
    const seenKeys = new Set<string>();
    const merged: CatalogEntry[] = [];
    const ids = new Map<string, CatalogEntry>();
    for (const source of sources) {
      for (const original of lastBySource.get(source.id) ?? []) {
        const keys = dedupeKeys(original);
        const duplicateKey = keys.find((key) => seenKeys.has(key));
        if (duplicateKey !== undefined) {
          const kept = merged.find((entry) => dedupeKeys(entry).includes(duplicateKey));
          if (kept) markInstalled(kept, original);
          logger.debug({ name: original.name, source: source.id, key: duplicateKey }, "duplicate catalog entry dropped");
          continue;
        }
        const entry = structuredClone(original);
        const id = uniqueId(entry, ids);
        if (id !== entryId(entry)) {
          logger.warn({ id: entryId(entry), name: entry.name, source: source.id, new_id: id }, "catalog id already taken; renamed");
          entry._meta[MARKETPLACE_META_KEY].id = id;
        }
        for (const key of keys) seenKeys.add(key);
        ids.set(id, entry);
        merged.push(entry);
      }
    }
    entries = merged;
    byId = ids;
    index = buildSearchIndex(merged);
    for (const entry of merged) {
      const server = stateOf(entryId(entry));
      try {
        server.install_command = installCommandFor(entry);
      } catch {
        server.install_command = []; // nothing installable (a source-only server): shown, not installed
      }
    }
  }

  function snapshot(): CacheFile {
    const servers: Record<string, CachedServer> = {};
    for (const entry of entries) {
      const id = entryId(entry);
      const server = stateOf(id);
      servers[id] = {
        entry,
        install_command: server.install_command,
        last_health: server.last_health,
        usage: server.usage,
        ...(server.capabilities ? { capabilities: server.capabilities } : {}),
      };
    }
    return { version: 1, updated_at: nowIso(), sources: Object.fromEntries(listedAs), servers };
  }

  /**
   * Usage goes to the store (it is not a cache): an install at once, tool calls with the next
   * flush, so a busy server does not cost a write per call. The cache file follows, debounced.
   */
  function saveUsage(id: string): void {
    unsavedUsage.delete(id);
    const usage = stateOf(id).usage;
    options.usage?.save({ catalog_id: id, ...usage }).catch((error: unknown) => {
      logger.warn({ id, error: errorMessage(error) }, "could not store discovery usage");
    });
  }

  function persist(): Promise<void> {
    if (!cache) return Promise.resolve();
    // One write at a time, each with the state as it is when its turn comes.
    writes = writes
      .catch(() => undefined)
      .then(() => cache.save(snapshot()))
      .catch((error: unknown) => {
        logger.warn({ path: cache.path, error: errorMessage(error) }, "could not write the discovery cache");
      });
    return writes;
  }

  function scheduleFlush(): void {
    if (flushTimer !== undefined || (!cache && unsavedUsage.size === 0)) return;
    flushTimer = clock.setTimeout(() => {
      flushTimer = undefined;
      void writeOut();
    }, flushDelayMs);
  }

  function writeOut(): Promise<void> {
    for (const id of unsavedUsage) saveUsage(id);
    return persist();
  }

  async function runRefresh(only: ReadonlySet<string> | undefined, signal: AbortSignal | undefined, cacheStatus: RefreshReport["cache"]): Promise<RefreshReport> {
    const chosen = sources.filter((source) => only === undefined || only.has(source.id));
    const results = await Promise.allSettled(chosen.map((source) => source.list(signal ? { signal } : {})));
    const reports: SourceReport[] = [];
    for (const source of sources) {
      const at = chosen.indexOf(source);
      const result = at === -1 ? undefined : results[at];
      if (result === undefined) {
        reports.push({ id: source.id, status: "cached", entries: lastBySource.get(source.id)?.length ?? 0 });
      } else if (result.status === "fulfilled") {
        // Stamped here so the cache can tell, on the next start, which source each entry came from.
        const stamped = result.value.map((entry) => {
          const copy = structuredClone(entry);
          copy._meta[MARKETPLACE_META_KEY].source = source.id;
          return copy;
        });
        lastBySource.set(source.id, stamped);
        listedAs.set(source.id, fingerprintOf(source));
        reports.push({ id: source.id, status: "ok", entries: result.value.length });
      } else {
        const error = errorMessage(result.reason);
        const kept = lastBySource.get(source.id)?.length ?? 0;
        logger.warn({ source: source.id, error, kept }, "discovery source failed; keeping its previous entries");
        reports.push({ id: source.id, status: "failed", entries: kept, error });
      }
    }
    merge();
    await persist();
    return { sources: reports, total: entries.length, cache: cacheStatus };
  }

  function refreshOnce(only: ReadonlySet<string> | undefined, signal: AbortSignal | undefined, cacheStatus: RefreshReport["cache"]): Promise<RefreshReport> {
    // A refresh already under way answers for a second caller instead of listing twice.
    if (refreshing) return refreshing;
    refreshing = runRefresh(only, signal, cacheStatus).finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  async function flush(): Promise<void> {
    if (flushTimer !== undefined) {
      clock.clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    await writeOut();
  }

  function page<T>(items: T[], offset?: number, limit?: number): { items: T[]; offset: number; limit: number } {
    const start = Math.max(0, Math.floor(offset ?? 0));
    const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit ?? DEFAULT_PAGE_SIZE)));
    return { items: items.slice(start, start + size), offset: start, limit: size };
  }

  /** The store's usage wins over the cache file's, which may be older, rebuilt or gone. */
  async function loadStoredUsage(): Promise<void> {
    for (const record of (await options.usage?.list()) ?? []) {
      stateOf(record.catalog_id).usage = { installs: record.installs, tool_calls: record.tool_calls, last_used_at: record.last_used_at };
    }
  }

  return {
    async load(loadOptions = {}) {
      if (!cache) {
        await loadStoredUsage();
        return refreshOnce(undefined, loadOptions.signal, "none");
      }
      const loaded = await cache.load();
      if (loaded.status !== "ok") {
        await loadStoredUsage();
        return refreshOnce(undefined, loadOptions.signal, loaded.status);
      }

      for (const [id, server] of Object.entries(loaded.file.servers)) {
        state.set(id, {
          install_command: server.install_command,
          last_health: server.last_health,
          usage: server.usage,
          ...(server.capabilities ? { capabilities: server.capabilities } : {}),
        });
        const source = marketplaceOf(server.entry).source ?? "";
        lastBySource.set(source, [...(lastBySource.get(source) ?? []), server.entry]);
      }
      for (const [id, fingerprint] of Object.entries(loaded.file.sources)) listedAs.set(id, fingerprint);
      await loadStoredUsage();
      const age = clock.now() - Date.parse(loaded.file.updated_at);
      const fresh = Number.isFinite(age) && age >= 0 && age < maxCacheAgeMs;
      // Local sources are cheap and may have changed (an upgrade, a new install): always list them.
      // A remote source added or changed in the config since the cache was written is listed too.
      const only = fresh
        ? new Set(sources.filter((s) => s.remote !== true || listedAs.get(s.id) !== fingerprintOf(s)).map((s) => s.id))
        : undefined;
      return refreshOnce(only, loadOptions.signal, fresh ? "ok" : "stale");
    },

    async setSources(next, setOptions = {}) {
      const ordered = orderSources(next);
      // A refresh under way lists the old sources; the new set applies once it is done.
      await refreshing;
      sources = ordered;
      const kept = new Set(sources.map((s) => s.id));
      for (const id of [...lastBySource.keys()]) {
        if (!kept.has(id)) {
          lastBySource.delete(id);
          listedAs.delete(id);
        }
      }
      const changed = new Set(sources.filter((s) => listedAs.get(s.id) !== fingerprintOf(s)).map((s) => s.id));
      return refreshOnce(changed, setOptions.signal, cache ? "ok" : "none");
    },

    refresh(refreshOptions = {}) {
      const local = refreshOptions.local ? sources.filter((s) => s.remote !== true).map((s) => s.id) : undefined;
      const named = refreshOptions.sources ?? local;
      const only = named ? new Set(named) : undefined;
      return refreshOnce(only, refreshOptions.signal, cache ? "ok" : "none");
    },

    list(query = {}) {
      const transport = query.transport === "http" ? "streamable-http" : query.transport;
      const matching = entries.filter((entry) => {
        const market = marketplaceOf(entry);
        if (query.category !== undefined && market.category !== query.category) return false;
        if (query.tag !== undefined && !market.tags.includes(query.tag)) return false;
        if (query.featured !== undefined && market.featured !== query.featured) return false;
        if (transport !== undefined && !entryTransports(entry).includes(transport as "stdio")) return false;
        if (query.registry_type !== undefined) {
          const wanted = query.registry_type;
          const has =
            wanted === "remote"
              ? (entry.remotes ?? []).length > 0
              : (entry.packages ?? []).some((pkg) => pkg.registryType === wanted);
          if (!has) return false;
        }
        return true;
      });
      const { items, offset, limit } = page(matching, query.offset, query.limit);
      return { total: matching.length, offset, limit, servers: items };
    },

    get(id) {
      return byId.get(id);
    },

    require(id) {
      const entry = byId.get(id);
      if (!entry) throw new AppError("SERVER_NOT_FOUND", `no server "${id}" in the discovery catalog`);
      return entry;
    },

    categories() {
      const counts = new Map<string, number>();
      for (const entry of entries) {
        const name = marketplaceOf(entry).category;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return [...counts]
        .map(([name, count]) => ({ name, count }))
        .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
    },

    search(query, searchOptions = {}) {
      const { items } = page(index.rank(query), searchOptions.offset, searchOptions.limit ?? 20);
      return items;
    },

    featured() {
      return entries.filter((entry) => marketplaceOf(entry).featured);
    },

    popular(popularOptions = {}) {
      const ranked = entries.map((entry) => {
        const usage = stateOf(entryId(entry)).usage;
        return { entry, installs: usage.installs, tool_calls: usage.tool_calls, score: usage.installs * INSTALL_WEIGHT + usage.tool_calls };
      });
      ranked.sort((a, b) => {
        const ma = marketplaceOf(a.entry);
        const mb = marketplaceOf(b.entry);
        return (
          b.score - a.score ||
          (mb.install_count ?? 0) - (ma.install_count ?? 0) ||
          Number(mb.featured) - Number(ma.featured) ||
          (ma.id < mb.id ? -1 : 1)
        );
      });
      return page(ranked, 0, popularOptions.limit ?? 10).items;
    },

    installCommand(id) {
      return byId.has(id) ? [...stateOf(id).install_command] : undefined;
    },

    usage(id) {
      return byId.has(id) ? { ...stateOf(id).usage } : undefined;
    },

    lastHealth(id) {
      return byId.has(id) ? stateOf(id).last_health : undefined;
    },

    async recordInstall(id) {
      if (!byId.has(id)) return false;
      const usage = stateOf(id).usage;
      usage.installs += 1;
      usage.last_used_at = nowIso();
      saveUsage(id);
      await persist();
      return true;
    },

    recordToolCalls(id, count) {
      if (!byId.has(id) || !Number.isFinite(count) || count <= 0) return false;
      const usage = stateOf(id).usage;
      usage.tool_calls += Math.floor(count);
      usage.last_used_at = nowIso();
      unsavedUsage.add(id);
      scheduleFlush();
      return true;
    },

    recordHealth(id, status) {
      if (!byId.has(id)) return false;
      stateOf(id).last_health = { status, at: nowIso() };
      scheduleFlush();
      return true;
    },

    async recordCapabilities(id, capabilities) {
      if (!byId.has(id)) return false;
      stateOf(id).capabilities = { ...capabilities, captured_at: nowIso() };
      await persist();
      return true;
    },

    capabilities(id) {
      return byId.has(id) ? (stateOf(id).capabilities ?? null) : undefined;
    },

    flush,

    async close() {
      await flush();
    },
  };
}

/** The curated catalog comes first so its ids, categories and descriptions win over duplicates. */
function orderSources(given: readonly DiscoverySource[]): DiscoverySource[] {
  const ordered = [...given].sort((a, b) => Number(b.id === BUILTIN_SOURCE_ID) - Number(a.id === BUILTIN_SOURCE_ID));
  const duplicateIds = ordered.map((s) => s.id).filter((id, i, all) => all.indexOf(id) !== i);
  if (duplicateIds.length > 0) {
    throw new AppError("CONFIG_INVALID", `discovery sources must have distinct ids; repeated: ${duplicateIds.join(", ")}`);
  }
  return ordered;
}

function fingerprintOf(source: DiscoverySource): string {
  return source.fingerprint ?? source.id;
}

/** What makes two entries the same server, whichever source they came from. */
function dedupeKeys(entry: CatalogEntry): string[] {
  const keys = [`name:${entry.name.toLowerCase()}`];
  for (const pkg of entry.packages ?? []) {
    const identifier =
      pkg.registryType === "pypi" ? pkg.identifier.toLowerCase().replace(/[-_.]+/g, "-") : pkg.identifier.toLowerCase();
    keys.push(`${pkg.registryType}:${identifier}`);
  }
  for (const remote of entry.remotes ?? []) keys.push(`url:${remote.url.replace(/\/+$/, "").toLowerCase()}`);
  return keys;
}

/** A locally installed copy of exactly the kept package version marks the kept entry installed. */
function markInstalled(kept: CatalogEntry, duplicate: CatalogEntry): void {
  const local = marketplaceOf(duplicate);
  if (local.local !== true || local.install_prefix === undefined) return;
  const keptPkg = kept.packages?.find((pkg) => pkg.registryType === "npm");
  const localPkg = duplicate.packages?.find((pkg) => pkg.registryType === "npm");
  if (!keptPkg || !localPkg || keptPkg.identifier !== localPkg.identifier || keptPkg.version !== localPkg.version) return;
  const market = kept._meta[MARKETPLACE_META_KEY];
  market.local = true;
  market.install_prefix = local.install_prefix;
  if (market.bin === undefined && local.bin !== undefined) market.bin = local.bin;
}

function uniqueId(entry: CatalogEntry, taken: ReadonlyMap<string, CatalogEntry>): string {
  const id = entryId(entry);
  if (!taken.has(id)) return id;
  const qualified = qualifiedIdFromServerName(entry.name);
  if (!taken.has(qualified)) return qualified;
  for (let n = 2; ; n += 1) {
    const suffix = `-${n}`;
    const candidate = `${qualified.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
