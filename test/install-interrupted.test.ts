/**
 * A daemon killed with -9 in the middle of an npm install, end to end: the real `pygent serve`
 * installs the catalog's "memory" entry with the real npm, from an npm registry served on
 * 127.0.0.1 (npm_config_registry) that holds the package's tarball back, so npm is caught
 * mid-download. After the kill, npm lives on as an orphan writing into data/servers/memory. The
 * next daemon ends npm's process group, removes the unfinished folder, and installs the same id
 * afresh.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectAllGone, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { catalogMemoryPackage, packEchoPackage, serveNpmRegistry, type LocalNpmRegistry } from "./helpers/local-npm-registry.js";
import { isAlive, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let registry: LocalNpmRegistry | undefined;
const daemons: DaemonProcess[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-install-interrupted-");
});

afterEach(async () => {
  for (const daemon of daemons.splice(0)) {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL");
  }
  await registry?.close();
  registry = undefined;
  removeTempDir(dir);
});

/** The install process groups recorded in the daemon's database. */
function recordedInstallGroups(dataDir: string): { pgid: number; server_id: string }[] {
  const db = new Database(join(dataDir, "pygent.db"), { readonly: true });
  try {
    return db.prepare("SELECT pgid, server_id FROM process_groups WHERE kind = 'install'").all() as { pgid: number; server_id: string }[];
  } finally {
    db.close();
  }
}

describe("an install interrupted by kill -9", () => {
  it("ends the orphaned npm at the next start, removes the unfinished folder, and installs the id afresh", async () => {
    let holding = true;
    const pkg = catalogMemoryPackage();
    const npmRegistry = (registry = await serveNpmRegistry(pkg, packEchoPackage(dir, pkg), () => holding));
    const dataDir = join(dir, "data");
    const config = join(dir, "mcp_server_configs.json");
    writeFileSync(config, JSON.stringify({ servers: [] }));
    const env = { npm_config_registry: npmRegistry.url, npm_config_cache: join(dir, "npm-cache"), npm_config_fetch_retries: "0" };
    const serve = async (): Promise<DaemonProcess> => {
      const daemon = await startDaemon(dataDir, config, [], env);
      daemons.push(daemon);
      return daemon;
    };
    const folder = join(dataDir, "servers", "memory");

    const first = await serve();
    const pending = first.api("/api/v1/mcp/discovery/install/memory", { method: "POST", body: JSON.stringify({ start: false }) }).catch((error: unknown) => error);
    await waitFor(() => npmRegistry.downloads() > 0, { timeoutMs: 60_000, message: "npm to start downloading the tarball" });
    expect(existsSync(join(folder, ".installing"))).toBe(true);
    const [group] = await waitFor(
      () => {
        const groups = recordedInstallGroups(dataDir);
        return groups.length > 0 ? groups : undefined;
      },
      { message: "the npm process group to be recorded" },
    );
    expect(group!.server_id).toBe("memory");
    const npmPid = group!.pgid;

    first.child.kill("SIGKILL");
    await waitFor(() => first.child.exitCode !== null || first.child.signalCode !== null, { message: "daemon killed" });
    await pending;
    // npm outlives the daemon: it is in a process group of its own.
    expect(isAlive(npmPid)).toBe(true);

    holding = false;
    const second = await serve();
    await expectAllGone([npmPid]);
    expect(existsSync(folder)).toBe(false);
    expect(second.stderr()).toMatch(/removed the folder of an install a stopped daemon left unfinished/);
    expect(recordedInstallGroups(dataDir)).toEqual([]);

    const fresh = await second.api<{ install: { install_dir: string } }>("/api/v1/mcp/discovery/install/memory", {
      method: "POST",
      body: JSON.stringify({ start: false }),
    });
    expect(fresh.status).toBe(201);
    expect(fresh.body.install.install_dir).toBe(folder);
    expect(existsSync(join(folder, "node_modules", ...pkg.name.split("/"), "dist", "index.js"))).toBe(true);
    expect(readdirSync(folder)).not.toContain(".installing");
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
