/**
 * Installing real npm MCP server packages with the real npm: from a tarball made with `npm pack`
 * of the server-memory package in node_modules (its dependencies come from npm's cache or the
 * registry), and once straight from the registry. Each must reach `running`; a failed install
 * (unknown package, timeout) must leave nothing behind: no folder, no registration, no secrets,
 * no npm process.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, failure, leftovers, npmEntry, type Harness, type HarnessOptions } from "./discovery/install-harness.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
const MEMORY = "@modelcontextprotocol/server-memory";
const MEMORY_DIR = join(REPO_ROOT, "node_modules", MEMORY);
const MEMORY_VERSION = (JSON.parse(readFileSync(join(MEMORY_DIR, "package.json"), "utf8")) as { version: string }).version;

let packDir: string;
let tarball: string;
const harnesses: Harness[] = [];

async function harness(options: HarnessOptions): Promise<Harness> {
  const h = await createHarness(options);
  harnesses.push(h);
  return h;
}

beforeAll(() => {
  packDir = makeTempDir("pygent-pack-");
  // --ignore-scripts: the package's "prepare" would try to build it from source.
  const output = execFileSync("npm", ["pack", MEMORY_DIR, "--ignore-scripts", "--pack-destination", packDir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const name = output.trim().split("\n").at(-1)!;
  tarball = join(packDir, name);
  expect(existsSync(tarball)).toBe(true);
});

afterAll(() => {
  removeTempDir(packDir);
});

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Processes whose command line mentions the folder: an npm left running would. */
function processesMentioning(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(path)) found.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return found;
}

describe("npm installs", () => {
  it("installs a tarball made with npm pack into data/servers/<id> and sees it running", async () => {
    const h = await harness({
      entries: [npmEntry("memory-pack", MEMORY, MEMORY_VERSION)],
      // The catalog names the package and version; only where npm fetches it from is mapped.
      service: { npm: { packageSpec: (identifier, version) => (identifier === MEMORY && version === MEMORY_VERSION ? tarball : `${identifier}@${version}`) } },
    });
    const result = await h.service.install("memory-pack");
    expect(result.server.state).toBe("running");
    expect(result.server.tools_count).toBeGreaterThan(0);
    const dir = join(h.dataDir, "servers", "memory-pack");
    expect(result.install.install_dir).toBe(dir);
    expect(result.server.config.command?.[1]).toBe(join(dir, "node_modules", MEMORY, "dist", "index.js"));
    expect(result.install.install_command).toEqual(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", dir, `${MEMORY}@${MEMORY_VERSION}`]);
    expect(h.events.map((event) => event.phase)).toEqual(expect.arrayContaining(["resolving", "downloading", "installing", "registering", "starting", "checking", "done"]));
    expect(await h.store.installs.get("memory-pack")).toMatchObject({ kind: "npm", package: MEMORY, version: MEMORY_VERSION, install_dir: dir });
    // A package with no install scripts run: nothing outside its folder was touched.
    expect(existsSync(join(dir, "node_modules", MEMORY, "package.json"))).toBe(true);

    const removed = await h.service.uninstall("memory-pack");
    expect(removed.removed_dir).toBe(dir);
    expect(await leftovers(h, "memory-pack")).toEqual([]);
  }, 90_000);

  it("installs a small real MCP server package from the npm registry", async () => {
    const h = await harness({ builtin: true });
    const result = await h.service.install("sequential-thinking");
    expect(result.server.state).toBe("running");
    expect(result.install.capabilities?.tools).toContain("sequentialthinking");
    expect(result.install.package).toMatchObject({ identifier: "@modelcontextprotocol/server-sequential-thinking" });
    expect(h.catalog.usage("sequential-thinking")?.installs).toBe(1);
  }, 180_000);

  it("leaves nothing behind when npm does not know the package", async () => {
    const h = await harness({
      entries: [
        npmEntry("ghost", "@pygent-test/no-such-package-zz9", "1.0.0", {
          package: { environmentVariables: [{ name: "GHOST_TOKEN", isRequired: true, isSecret: true }] },
        }),
      ],
    });
    const error = await failure(h.service.install("ghost", { secrets: { GHOST_TOKEN: "ghost-secret-value" } }));
    expect(error.code).toBe("INSTALL_FAILED");
    expect(error.message).toMatch(/npm install @pygent-test\/no-such-package-zz9@1\.0\.0 failed/);
    expect(error.message).toMatch(/404|not found/i);
    expect(await leftovers(h, "ghost")).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ phase: "failed" });
    expect(JSON.stringify(h.events)).not.toContain("ghost-secret-value");
  }, 60_000);

  it("leaves nothing behind, npm included, when the install times out", async () => {
    const h = await harness({ builtin: true, service: { installTimeoutMs: 300 } });
    const error = await failure(h.service.install("sequential-thinking"));
    expect(error.code).toBe("INSTALL_TIMEOUT");
    expect(error.status).toBe(504);
    expect(await leftovers(h, "sequential-thinking")).toEqual([]);
    expect(processesMentioning(join(h.dataDir, "servers"))).toEqual([]);
  }, 60_000);
});
