/** The discovery domain's public surface: catalog, sources, cache, install plans and installs. */
export {
  ArgumentSchema,
  CatalogEntrySchema,
  KeyValueInputSchema,
  MARKETPLACE_META_KEY,
  MarketplaceMetaSchema,
  OFFICIAL_META_KEY,
  PackageSchema,
  RemoteSchema,
  RepositorySchema,
  SERVER_NAME_PATTERN,
  ServerJsonSchema,
  entryId,
  entryTransports,
  idFromServerName,
  marketplaceOf,
  normalizeServerJson,
  tryNormalizeServerJson,
  type Argument,
  type CatalogEntry,
  type CatalogEntryInput,
  type KeyValueInput,
  type MarketplaceMeta,
  type NormalizeOptions,
  type NormalizeResult,
  type OfficialMeta,
  type Package,
  type Remote,
  type Repository,
  type ServerJson,
} from "./schema.js";
export { BUILTIN_CATALOG } from "./builtin-catalog.js";
export type { DiscoverySource, DiscoverySourceListOptions } from "./source.js";
export { BUILTIN_SOURCE_ID, createBuiltinSource } from "./builtin-source.js";
export {
  OFFICIAL_REGISTRY_URL,
  REGISTRY_SOURCE_ID,
  RegistrySourceOptionsSchema,
  createRegistrySource,
  type RegistrySourceDeps,
  type RegistrySourceOptions,
} from "./registry-source.js";
export {
  LOCAL_SCAN_SOURCE_ID,
  LocalScanSourceOptionsSchema,
  createLocalScanSource,
  mcpServerMarker,
  npmBinFromPackageJson,
  type LocalScanSourceOptions,
  type PackageJson,
} from "./local-scan-source.js";
export {
  CACHE_DIR,
  CACHE_FILE,
  CACHE_VERSION,
  CacheFileSchema,
  CapabilitiesSummarySchema,
  cachePath,
  createDiscoveryCache,
  writeFileAtomic,
  type CacheFile,
  type CacheLoadResult,
  type CachedServer,
  type CapabilitiesSummary,
  type DiscoveryCache,
  type DiscoveryCacheOptions,
  type HealthStatus,
  type Usage,
} from "./cache.js";
export { buildSearchIndex, tokenize, type SearchIndex } from "./search-ranking.js";
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  createCatalog,
  type Catalog,
  type CatalogOptions,
  type CatalogPage,
  type CategoryCount,
  type ListQuery,
  type PopularServer,
  type RefreshReport,
  type SearchHit,
  type SourceReport,
} from "./catalog.js";
export {
  SERVERS_SUBDIR,
  installCommandFor,
  installInputs,
  installNotesFor,
  planInstall,
  runCommandFor,
  type InstallInput,
  type InstallKind,
  type InstallNotes,
  type InstallPlan,
  type InstallStep,
  type PlanInstallOptions,
} from "./install-plan.js";
export {
  installerRegistry,
  toolEnvironment,
  type InstallContext,
  type InstalledServer,
  type Installer,
  type PlanAdjustment,
} from "./installer.js";
export { createNpmInstaller, type NpmInstallerOptions } from "./npm-installer.js";
export { createPypiInstaller } from "./pypi-installer.js";
export { createOciInstaller } from "./oci-installer.js";
export { createRemoteInstaller } from "./remote-installer.js";
export { findExecutable } from "./find-executable.js";
export {
  DEFAULT_INSTALL_TIMEOUT_MS,
  createInstallService,
  type InstallOptions,
  type InstallProgress,
  type InstallRequest,
  type InstallResult,
  type InstallService,
  type InstallServiceDeps,
  type InstallStatus,
  type InstallSummary,
  type UninstallResult,
} from "./install-service.js";
export { createDiscovery, type Discovery, type DiscoverySetupOptions } from "./discovery-setup.js";
