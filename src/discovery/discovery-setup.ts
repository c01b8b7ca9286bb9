/**
 * The discovery domain as the daemon runs it, made from the config file's `discovery` section:
 * the catalog over the built-in entries, the configured registries and a local scan (of the
 * configured folders and of data/servers, where installs go), its cache in
 * data/mcp_cache/discovered_servers.json, usage in the store, and the install service. The daemon
 * owns the result: it calls load() before serving, applyConfig() on a config reload and close()
 * when stopping.
 */
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import type { MessageBus } from "../bus/bus.js";
import { DiscoveryConfigSchema, type DiscoveryConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { McpManager } from "../mcp/index.js";
import type { Store } from "../store/index.js";
import { createBuiltinSource } from "./builtin-source.js";
import { cachePath, createDiscoveryCache } from "./cache.js";
import { createCatalog, type Catalog, type RefreshReport } from "./catalog.js";
import { SERVERS_SUBDIR } from "./install-plan.js";
import { createInstallService, type InstallService } from "./install-service.js";
import { createLocalScanSource } from "./local-scan-source.js";
import { createRegistrySource, REGISTRY_SOURCE_ID } from "./registry-source.js";
import type { DiscoverySource } from "./source.js";

export interface DiscoverySetupOptions {
  config: DiscoveryConfig | undefined;
  dataDir: string;
  manager: McpManager;
  store: Pick<Store, "secrets" | "installs" | "discoveryUsage" | "processGroups">;
  bus: MessageBus;
  logger: Logger;
  clock: Clock;
  environment: NodeJS.ProcessEnv;
}

export interface Discovery {
  catalog: Catalog;
  installs: InstallService;
  /** Loads the catalog (cache, then sources); `signal` cuts remote sources short, e.g. at shutdown. */
  load(options?: { signal?: AbortSignal }): Promise<RefreshReport>;
  /**
   * Takes a reloaded `discovery` section: registries and scanned folders apply now (new or
   * changed ones are listed at once). Resolves with the fields that apply only after a restart.
   */
  applyConfig(config: DiscoveryConfig | undefined, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** Cancels installs under way (rolled back) and writes the cache. */
  close(): Promise<void>;
}

/** The sources a `discovery` section names: the built-in catalog, its registries, a local scan. */
function sourcesFor(config: DiscoveryConfig | undefined, dataDir: string, logger: Logger): DiscoverySource[] {
  const sources: DiscoverySource[] = [createBuiltinSource()];
  (config?.registries ?? []).forEach((registry, index) => {
    sources.push(
      createRegistrySource(
        {
          id: registry.id ?? (index === 0 ? REGISTRY_SOURCE_ID : `${REGISTRY_SOURCE_ID}-${index + 1}`),
          base_url: registry.url,
          timeout_ms: Math.round(registry.timeout * 1000),
          max_pages: registry.max_pages,
          ...(registry.category ? { category: registry.category } : {}),
          ...(registry.search ? { search: registry.search } : {}),
        },
        { logger },
      ),
    );
  });
  sources.push(createLocalScanSource({ dirs: config?.local_scan_dirs ?? [], servers_dir: join(dataDir, SERVERS_SUBDIR) }, { logger }));
  return sources;
}

/** Read once by the install service, so a change waits for the next start. */
const INSTALL_FIELDS = ["install_timeout", "npm_install_scripts"] as const;

export function createDiscovery(options: DiscoverySetupOptions): Discovery {
  const { dataDir, logger, clock } = options;
  const config = options.config;
  // Compared with defaults filled in, so that writing out a default is no change.
  let current = config ?? DiscoveryConfigSchema.parse({});
  const catalog = createCatalog({
    sources: sourcesFor(config, dataDir, logger),
    cache: createDiscoveryCache({ path: cachePath(dataDir), logger, clock }),
    usage: options.store.discoveryUsage,
    logger,
    clock,
  });
  const installs = createInstallService({
    catalog,
    manager: options.manager,
    store: options.store,
    bus: options.bus,
    logger,
    clock,
    dataDir,
    environment: options.environment,
    ...(config
      ? {
          installTimeoutMs: Math.round(config.install_timeout * 1000),
          npm: { allowScripts: config.npm_install_scripts },
          allowUnsafeOciFlags: config.oci.allow_unsafe_flags,
        }
      : {}),
  });

  return {
    catalog,
    installs,
    load: (options) => catalog.load(options),
    async applyConfig(next, applyOptions = {}) {
      const previous = current;
      current = next ?? DiscoveryConfigSchema.parse({});
      if (!isDeepStrictEqual(previous.registries, current.registries) || !isDeepStrictEqual(previous.local_scan_dirs, current.local_scan_dirs)) {
        await catalog.setSources(sourcesFor(current, dataDir, logger), applyOptions);
      }
      return INSTALL_FIELDS.filter((field) => previous[field] !== current[field]).map((field) => `discovery.${field}`);
    },
    async close() {
      await installs.close();
      await catalog.close();
    },
  };
}
