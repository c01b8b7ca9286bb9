import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../core/logger.js";
import { captureLogger } from "../../test/discovery/capture-logger.js";
import { BUILTIN_CATALOG } from "./builtin-catalog.js";
import { cachePath, createDiscoveryCache, writeFileAtomic, type CacheFile } from "./cache.js";
import { normalizeServerJson } from "./schema.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pygent-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleFile(): CacheFile {
  const entry = normalizeServerJson(BUILTIN_CATALOG[0]);
  return {
    version: 1,
    updated_at: "2026-01-01T00:00:00.000Z",
    sources: { builtin: "builtin" },
    servers: {
      filesystem: {
        entry,
        install_command: ["npm", "install", "@modelcontextprotocol/server-filesystem@2026.8.31"],
        last_health: { status: "healthy", at: "2026-01-01T00:00:00.000Z" },
        usage: { installs: 2, tool_calls: 10, last_used_at: "2026-01-01T00:00:00.000Z" },
      },
    },
  };
}

describe("discovery cache", () => {
  it("lives at data/mcp_cache/discovered_servers.json", () => {
    expect(cachePath("data")).toBe(join("data", "mcp_cache", "discovered_servers.json"));
  });

  it("round-trips a saved file and creates its folder", async () => {
    const cache = createDiscoveryCache({ path: cachePath(dir), logger: silentLogger(), clock: new ManualClock() });
    await cache.save(sampleFile());
    const loaded = await cache.load();
    expect(loaded).toEqual({ status: "ok", file: sampleFile() });
  });

  it("reports a missing file as missing, without moving anything", async () => {
    const cache = createDiscoveryCache({ path: cachePath(dir), logger: silentLogger(), clock: new ManualClock() });
    expect(await cache.load()).toEqual({ status: "missing" });
  });

  it.each([
    ["bad JSON", "{ nope"],
    ["a failed validation", JSON.stringify({ version: 2, updated_at: "x", servers: {} })],
    ["an entry under the wrong key", JSON.stringify({ ...sampleFile(), servers: { other: sampleFile().servers.filesystem } })],
  ])("moves a file with %s aside and warns", async (_what, content) => {
    const { logger, warnings } = captureLogger();
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    const path = cachePath(dir);
    await mkdir(join(dir, "mcp_cache"), { recursive: true });
    await writeFile(path, content);
    const result = await createDiscoveryCache({ path, logger, clock }).load();
    const aside = `${path}.corrupt-2026-01-02T03-04-05-006Z`;
    expect(result).toMatchObject({ status: "corrupt", moved_to: aside });
    expect(await readFile(aside, "utf8")).toBe(content);
    expect(await readdir(join(dir, "mcp_cache"))).toEqual(["discovered_servers.json.corrupt-2026-01-02T03-04-05-006Z"]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.msg).toMatch(/corrupt/);
  });

  it("refuses to save an invalid file", async () => {
    const cache = createDiscoveryCache({ path: cachePath(dir), logger: silentLogger(), clock: new ManualClock() });
    await expect(cache.save({ ...sampleFile(), version: 3 } as unknown as CacheFile)).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("atomic writes", () => {
  it("replaces the file whole and leaves no temp files behind", async () => {
    const path = join(dir, "sub", "file.json");
    await writeFileAtomic(path, "first");
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(path, `write ${i} `.repeat(1000))));
    const content = await readFile(path, "utf8");
    expect(content).toMatch(/^(write (\d+) )+$/);
    expect(new Set(content.trim().split(/ (?=write)/)).size).toBe(1); // one writer's content, not a mix
    expect(await readdir(join(dir, "sub"))).toEqual(["file.json"]);
  });

  it("removes its temp file when the write fails", async () => {
    const path = join(dir, "target");
    await mkdir(path); // renaming a file over a folder fails
    await expect(writeFileAtomic(path, "data")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
  });
});
