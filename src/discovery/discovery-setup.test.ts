/**
 * The config file's `discovery` and `network` sections, and the discovery domain built from them:
 * every configured registry becomes a source with its own id, the local scan covers the
 * configured folders, and defaults keep the daemon off the network.
 */
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InProcessBus } from "../bus/index.js";
import { validateConfigFile } from "../config/validate.js";
import { systemClock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { silentLogger } from "../core/logger.js";
import { createMcpManager } from "../mcp/index.js";
import { openStore, type Store } from "../store/index.js";
import { localEchoPackage } from "../../test/discovery/install-harness.js";
import { makeTempDir, removeTempDir } from "../../test/helpers/processes.js";
import { cachePath } from "./cache.js";
import { createDiscovery } from "./discovery-setup.js";
import { marketplaceOf } from "./schema.js";

const servers: Server[] = [];
const dirs: string[] = [];
const stores: Store[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

/** A discovery domain over `dataDir` and `store`, made from a `discovery` section as written. */
function discoveryFor(section: unknown, dataDir: string, store: Store) {
  const parsed = validateConfigFile({ servers: [], discovery: section });
  if (!parsed.ok) throw new Error("config refused");
  const bus = new InProcessBus();
  const manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: newId() });
  const discovery = createDiscovery({
    config: parsed.value.discovery,
    dataDir,
    manager,
    store,
    bus,
    logger: silentLogger(),
    clock: systemClock,
    environment: process.env,
  });
  return { discovery, parsed: (next: unknown) => {
    const again = validateConfigFile({ servers: [], discovery: next });
    if (!again.ok) throw new Error("config refused");
    return again.value.discovery;
  } };
}

function scratch(): { dataDir: string; store: Store } {
  const dir = makeTempDir("pygent-setup-");
  dirs.push(dir);
  const store = openStore(join(dir, "data"), systemClock);
  stores.push(store);
  return { dataDir: join(dir, "data"), store };
}

/** A registry serving one server named after it: a remote, or what `entry` adds. */
async function registry(name: string, entry: Record<string, unknown> = { remotes: [{ type: "streamable-http", url: `https://${name}.example.com/mcp` }] }): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        servers: [{ server: { name: `io.example/${name}`, description: `server from ${name}`, version: "1.0.0", ...entry } }],
        metadata: {},
      }),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("discovery config", () => {
  it("fills defaults and refuses unknown fields", () => {
    const ok = validateConfigFile({ servers: [], discovery: {}, network: { allow_private: true } });
    expect(ok.ok && ok.value.discovery).toEqual({
      registries: [],
      local_scan_dirs: [],
      install_timeout: 180,
      npm_install_scripts: false,
      oci: { allow_unsafe_flags: false },
    });
    expect(ok.ok && ok.value.network).toEqual({ allow_loopback: false, allow_private: true });
    const bad = validateConfigFile({ servers: [], discovery: { registry: "x" }, network: { allow_metadata: true } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues.map((issue) => issue.field).sort()).toEqual(["discovery", "network"]);
    }
  });

  it("builds a source per registry and scans the configured folders", async () => {
    const { dataDir, store } = scratch();
    const [first, second] = [await registry("alpha"), await registry("beta")];
    const npmDir = join(dataDir, "..", "npm");
    localEchoPackage(npmDir, "unused");
    const { discovery } = discoveryFor(
      { registries: [{ url: first }, { url: second, category: "partner" }], local_scan_dirs: [npmDir] },
      dataDir,
      store,
    );
    const report = await discovery.load();
    expect(report.sources.map((source) => [source.id, source.status])).toEqual([
      ["builtin", "ok"],
      ["registry", "ok"],
      ["registry-2", "ok"],
      ["local-scan", "ok"],
    ]);
    expect(report.cache).toBe("missing");
    expect(marketplaceOf(discovery.catalog.require("alpha"))).toMatchObject({ source: "registry", category: "other" });
    expect(marketplaceOf(discovery.catalog.require("beta"))).toMatchObject({ source: "registry-2", category: "partner" });
    expect(marketplaceOf(discovery.catalog.require("pygent-test-echo"))).toMatchObject({ source: "local-scan", local: true });
    await discovery.close();
  });

  it("lists a registry added to the config although the cache is fresh", async () => {
    const { dataDir, store } = scratch();
    const before = discoveryFor({}, dataDir, store).discovery;
    expect((await before.load()).cache).toBe("missing");
    await before.close();

    const after = discoveryFor({ registries: [{ url: await registry("alpha") }] }, dataDir, store).discovery;
    const report = await after.load();
    expect(report.cache).toBe("ok");
    expect(report.sources.find((source) => source.id === "registry")?.status).toBe("ok");
    expect(after.catalog.get("alpha")).toBeDefined();
    await after.close();
  });

  it("applies a reloaded discovery section at once and names what waits for a restart", async () => {
    const { dataDir, store } = scratch();
    const { discovery, parsed } = discoveryFor({}, dataDir, store);
    await discovery.load();
    expect(discovery.catalog.get("alpha")).toBeUndefined();
    const url = await registry("alpha");
    expect(await discovery.applyConfig(parsed({ registries: [{ url }], install_timeout: 60 }))).toEqual(["discovery.install_timeout"]);
    expect(marketplaceOf(discovery.catalog.require("alpha"))).toMatchObject({ source: "registry" });
    expect(await discovery.applyConfig(parsed({ install_timeout: 60 }))).toEqual([]);
    expect(discovery.catalog.get("alpha")).toBeUndefined();
    const npmDir = join(dataDir, "..", "npm");
    localEchoPackage(npmDir, "unused");
    await discovery.applyConfig(parsed({ install_timeout: 60, local_scan_dirs: [npmDir] }));
    expect(marketplaceOf(discovery.catalog.require("pygent-test-echo"))).toMatchObject({ source: "local-scan", local: true });
    await discovery.close();
  });

  it("keeps usage in the store: a lost cache file and a refresh keep the counts", async () => {
    const { dataDir, store } = scratch();
    const first = discoveryFor({}, dataDir, store).discovery;
    await first.load();
    expect(await first.catalog.recordInstall("filesystem")).toBe(true);
    first.catalog.recordToolCalls("filesystem", 3);
    // Tool calls reach the store with the next flush, not one write per call.
    const stored = async () => (await store.discoveryUsage.list()).find((row) => row.catalog_id === "filesystem");
    expect(await stored()).toMatchObject({ installs: 1, tool_calls: 0 });
    await first.catalog.flush();
    expect(await stored()).toMatchObject({ installs: 1, tool_calls: 3 });
    first.catalog.recordToolCalls("filesystem", 2);
    await first.close();
    rmSync(cachePath(dataDir));

    const second = discoveryFor({}, dataDir, store).discovery;
    expect((await second.load()).cache).toBe("missing");
    expect(second.catalog.usage("filesystem")).toMatchObject({ installs: 1, tool_calls: 5 });
    await second.catalog.refresh();
    expect(second.catalog.usage("filesystem")).toMatchObject({ installs: 1, tool_calls: 5 });
    await second.close();
  });

  it("refuses a registry entry's unsafe docker flags unless discovery.oci.allow_unsafe_flags is set", async () => {
    const dir = makeTempDir("pygent-setup-");
    dirs.push(dir);
    const url = await registry("boxed", {
      packages: [
        {
          registryType: "oci",
          identifier: "docker.io/acme/boxed",
          version: "1.0.0",
          transport: { type: "stdio" },
          runtimeArguments: [{ type: "named", name: "--privileged", format: "boolean", value: "true" }],
        },
      ],
    });
    const store = openStore(join(dir, "data"), systemClock);
    stores.push(store);
    const bus = new InProcessBus();
    const manager = createMcpManager({ clock: systemClock, bus, store, logger: silentLogger(), daemonInstance: newId() });
    const installWith = async (oci: Record<string, unknown>): Promise<unknown> => {
      const parsed = validateConfigFile({ servers: [], discovery: { registries: [{ url }], oci } });
      if (!parsed.ok) throw new Error("config refused");
      const discovery = createDiscovery({
        config: parsed.value.discovery,
        dataDir: join(dir, "data"),
        manager,
        store,
        bus,
        logger: silentLogger(),
        clock: systemClock,
        // No docker here: a plan that passes stops at the runtime check, before anything runs.
        environment: { PATH: "" },
      });
      await discovery.load();
      const outcome = await discovery.installs.install("boxed").catch((error: unknown) => error);
      await discovery.close();
      return outcome;
    };
    expect(await installWith({})).toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringContaining('"--privileged" is refused') });
    expect(await installWith({ allow_unsafe_flags: true })).toMatchObject({ code: "RUNTIME_MISSING" });
    await manager.stop();
  });
});
