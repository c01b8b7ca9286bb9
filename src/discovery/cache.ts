/**
 * The discovery cache, `data/mcp_cache/discovered_servers.json` (the specification's file): what
 * every source last listed, how each server installs, its last known health and its usage. It
 * lets the catalog start without the network and keeps usage across restarts.
 *
 * Writes are atomic (temp file in the same folder, fsync, rename), so a crash leaves the old file
 * or the new one, never half of one. A file that is not valid JSON or fails validation is moved
 * aside as `discovered_servers.json.corrupt-<timestamp>` and reported as missing: the catalog
 * rebuilds it from its sources. Neither case is fatal.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { zodIssues } from "../config/validate.js";
import { CatalogEntrySchema } from "./schema.js";

export const CACHE_DIR = "mcp_cache";
export const CACHE_FILE = "discovered_servers.json";
export const CACHE_VERSION = 1;

/** The cache's place under a data directory: `<dataDir>/mcp_cache/discovered_servers.json`. */
export function cachePath(dataDir: string): string {
  return join(dataDir, CACHE_DIR, CACHE_FILE);
}

const HealthStatusSchema = z.enum(["healthy", "warning", "critical", "unknown", "offline"]);
export type HealthStatus = z.infer<typeof HealthStatusSchema>;

export const UsageSchema = z
  .object({
    installs: z.number().int().min(0).default(0),
    tool_calls: z.number().int().min(0).default(0),
    last_used_at: z.string().nullable().default(null),
  })
  .strict();
export type Usage = z.infer<typeof UsageSchema>;

/** What a server served when it was last installed and started here (names only, no schemas). */
export const CapabilitiesSummarySchema = z
  .object({
    server_name: z.string().nullable(),
    server_version: z.string().nullable(),
    tools: z.array(z.string()),
    resources: z.number().int().min(0),
    prompts: z.number().int().min(0),
    captured_at: z.string(),
  })
  .strict();
export type CapabilitiesSummary = z.infer<typeof CapabilitiesSummarySchema>;

export const CachedServerSchema = z
  .object({
    entry: CatalogEntrySchema,
    install_command: z.array(z.string()),
    last_health: z.object({ status: HealthStatusSchema, at: z.string() }).strict().nullable().default(null),
    usage: UsageSchema.default({ installs: 0, tool_calls: 0, last_used_at: null }),
    /** Absent until the server has been installed and started here once. */
    capabilities: CapabilitiesSummarySchema.optional(),
  })
  .strict();
export type CachedServer = z.infer<typeof CachedServerSchema>;

export const CacheFileSchema = z
  .object({
    version: z.literal(CACHE_VERSION),
    updated_at: z.string(),
    /** Each source's fingerprint when it was listed: a source changed since is listed again. */
    sources: z.record(z.string(), z.string()).default({}),
    servers: z.record(z.string(), CachedServerSchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [id, server] of Object.entries(file.servers)) {
      if (server.entry._meta["io.pygent/marketplace"].id !== id) {
        ctx.addIssue({ code: "custom", path: ["servers", id, "entry"], message: "entry id does not match its key" });
      }
    }
  });
export type CacheFile = z.infer<typeof CacheFileSchema>;
/** A cache file as written, before defaults (a file from before `sources` existed has none). */
type CacheFileInput = z.input<typeof CacheFileSchema>;

export type CacheLoadResult =
  | { status: "ok"; file: CacheFile }
  | { status: "missing" }
  | { status: "corrupt"; reason: string; moved_to: string | null };

export interface DiscoveryCache {
  readonly path: string;
  /** Reads the cache; a corrupt file is moved aside and reported, never thrown. */
  load(): Promise<CacheLoadResult>;
  /** Validates and writes the cache atomically. */
  save(file: CacheFileInput): Promise<void>;
}

export interface DiscoveryCacheOptions {
  path: string;
  logger: Logger;
  clock: Clock;
}

export function createDiscoveryCache(options: DiscoveryCacheOptions): DiscoveryCache {
  const { path, clock } = options;
  const logger = options.logger.child({ module: "discovery.cache" });

  async function moveAside(reason: string): Promise<CacheLoadResult> {
    // ':' is not allowed in Windows file names, and the stamp must sort by time.
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, "-");
    const target = `${path}.corrupt-${stamp}`;
    try {
      await rename(path, target);
      logger.warn({ path, moved_to: target, reason }, "discovery cache is corrupt; kept aside and rebuilding from sources");
      return { status: "corrupt", reason, moved_to: target };
    } catch (error) {
      logger.warn({ path, reason, error: errorMessage(error) }, "discovery cache is corrupt and could not be moved aside; rebuilding");
      return { status: "corrupt", reason, moved_to: null };
    }
  }

  return {
    path,
    async load() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          logger.info({ path }, "no discovery cache yet; building it from sources");
          return { status: "missing" };
        }
        return moveAside(`unreadable: ${errorMessage(error)}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        return moveAside(`not valid JSON: ${errorMessage(error)}`);
      }
      const parsed = CacheFileSchema.safeParse(json);
      if (!parsed.success) {
        const first = zodIssues(parsed.error).slice(0, 3).map((issue) => `${issue.field}: ${issue.message}`);
        return moveAside(`failed validation: ${first.join("; ")}`);
      }
      return { status: "ok", file: parsed.data };
    },
    async save(file) {
      const valid = CacheFileSchema.parse(file);
      await writeFileAtomic(path, `${JSON.stringify(valid, null, 2)}\n`);
    },
  };
}

/**
 * Writes `data` to `path` so that readers see the old content or the new, never a mix: the temp
 * file lives in the same folder because rename is only atomic within one file system.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(data, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncDir(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

/** Makes the rename itself durable; not every platform can open a folder, which is fine. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
