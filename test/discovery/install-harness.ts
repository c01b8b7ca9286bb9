/**
 * A real install service for tests: a temporary data folder with a real SQLite store, the real
 * MCP manager (with the store's secrets and a network policy), a catalog over test entries (and
 * the built-in ones when asked), every install_progress event seen on the bus, and the real app
 * over all of it when a test needs the HTTP side.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";
import { buildApp, type ApiDeps } from "../../src/api/app.js";
import { InProcessBus, type InstallProgressEvent } from "../../src/bus/index.js";
import { systemClock } from "../../src/core/clock.js";
import { AppError } from "../../src/core/errors.js";
import { newId } from "../../src/core/ids.js";
import { silentLogger, type Logger } from "../../src/core/logger.js";
import {
  createBuiltinSource,
  createCatalog,
  createInstallService,
  normalizeServerJson,
  type Catalog,
  type CatalogEntryInput,
  type DiscoverySource,
  type InstallService,
  type InstallServiceDeps,
} from "../../src/discovery/index.js";
import { createMcpManager, STRICT_NETWORK_POLICY, type HostLookup, type McpManager, type NetworkPolicy } from "../../src/mcp/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";

export interface Harness {
  dir: string;
  dataDir: string;
  store: Store;
  bus: InProcessBus;
  manager: McpManager;
  catalog: Catalog;
  service: InstallService;
  events: InstallProgressEvent[];
  /** What the data folder holds for a server id: its folder under data/servers exists. */
  serverDirExists(id: string): boolean;
  close(): Promise<void>;
}

export interface HarnessOptions {
  entries?: CatalogEntryInput[];
  /** Include the built-in catalog. */
  builtin?: boolean;
  environment?: NodeJS.ProcessEnv;
  network?: NetworkPolicy;
  resolveHost?: HostLookup;
  logger?: Logger;
  service?: Partial<Pick<InstallServiceDeps, "installers" | "npm" | "installTimeoutMs">>;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = makeTempDir("pygent-install-");
  const dataDir = join(dir, "data");
  const store = openStore(dataDir, systemClock);
  const bus = new InProcessBus();
  const events: InstallProgressEvent[] = [];
  bus.subscribe("install_progress", (event) => events.push(event));
  const logger = options.logger ?? silentLogger();
  const network = options.network ?? STRICT_NETWORK_POLICY;
  const environment = options.environment ?? process.env;
  const manager = createMcpManager({
    clock: systemClock,
    bus,
    store,
    logger,
    daemonInstance: newId(),
    environment,
    secrets: store.secrets,
    network,
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
  });
  await manager.start();
  const entries = (options.entries ?? []).map((raw) => normalizeServerJson(raw));
  const sources: DiscoverySource[] = [{ id: "test", list: async () => structuredClone(entries) }];
  if (options.builtin) sources.unshift(createBuiltinSource());
  const catalog = createCatalog({ sources, logger, clock: systemClock });
  await catalog.load();
  const service = createInstallService({
    catalog,
    manager,
    store,
    bus,
    logger,
    clock: systemClock,
    dataDir,
    environment,
    ...options.service,
  });
  return {
    dir,
    dataDir,
    store,
    bus,
    manager,
    catalog,
    service,
    events,
    serverDirExists: (id) => existsSync(join(dataDir, "servers", id)),
    async close() {
      await service.close();
      await manager.stop();
      await catalog.close();
      bus.close();
      store.close();
      removeTempDir(dir);
    },
  };
}

/** The real app over a harness: its manager, store, catalog and install service, without a rate limit. */
export function buildHarnessApp(h: Harness, deps: Pick<ApiDeps, "bind"> & Partial<ApiDeps>): Promise<FastifyInstance> {
  return buildApp({
    manager: h.manager,
    store: h.store,
    logger: silentLogger(),
    clock: systemClock,
    version: "0.0.0-test",
    startedAt: systemClock.now(),
    discovery: { catalog: h.catalog, installs: h.service },
    ...deps,
  });
}

/** What a failed install must leave behind: nothing. */
export async function leftovers(h: Harness, id: string): Promise<string[]> {
  const found: string[] = [];
  if (h.manager.list().some((server) => server.id === id)) found.push("registration");
  if ((await h.store.servers.get(id)) !== undefined) found.push("stored server");
  if ((await h.store.secrets.names(id)).length > 0) found.push("secrets");
  if ((await h.store.installs.get(id)) !== undefined) found.push("install record");
  if (h.serverDirExists(id)) found.push(`folder (${readdirSync(join(h.dataDir, "servers", id)).join(", ")})`);
  return found;
}

/** The AppError `promise` rejects with; anything else it settles with fails the test. */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("did not fail");
}

/** A catalog entry for an npm package, with our marketplace fields. */
export function npmEntry(id: string, identifier: string, version: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): CatalogEntryInput {
  const { package: pkgExtra, ...top } = extra as { package?: Record<string, unknown> };
  return {
    name: `io.test/${id}`,
    description: `test entry ${id}`,
    version,
    packages: [{ registryType: "npm", identifier, version, transport: { type: "stdio" }, ...pkgExtra }],
    _meta: { "io.pygent/marketplace": { id, category: "test", tags: [], featured: false, ...meta } },
    ...top,
  } as CatalogEntryInput;
}

/** A catalog entry for a remote server. */
export function remoteEntry(id: string, url: string, remote: Record<string, unknown> = {}): CatalogEntryInput {
  return {
    name: `io.test/${id}`,
    description: `remote test entry ${id}`,
    version: "1.0.0",
    remotes: [{ type: "streamable-http", url, ...remote }],
    _meta: { "io.pygent/marketplace": { id, category: "test", tags: [], featured: false } },
  } as CatalogEntryInput;
}

/**
 * An npm package already installed under `prefix` (node_modules/pygent-test-echo) that runs the
 * echo fixture, and a catalog entry for it: a server to install without downloading anything
 * and without clashing with a built-in entry.
 */
export function localEchoPackage(prefix: string, id: string, env: Record<string, unknown>[] = []): CatalogEntryInput {
  const name = "pygent-test-echo";
  const dir = join(prefix, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  const fixture = pathToFileURL(fileURLToPath(new URL("../fixtures/echo-server.mjs", import.meta.url))).href;
  writeFileSync(join(dir, "index.mjs"), `import ${JSON.stringify(fixture)};\n`);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", bin: "index.mjs", keywords: ["mcp"] }));
  return npmEntry(
    id,
    name,
    "1.0.0",
    { package: { environmentVariables: env } },
    { local: true, install_prefix: prefix, bin: "index.mjs", tags: ["echo-test"] },
  );
}
