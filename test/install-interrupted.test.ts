/**
 * A daemon killed with -9 in the middle of an npm install, end to end: the real `pygent serve`
 * installs the catalog's "memory" entry with the real npm, from an npm registry served on
 * 127.0.0.1 (npm_config_registry) that holds the package's tarball back, so npm is caught
 * mid-download. After the kill, npm lives on as an orphan writing into data/servers/memory. The
 * next daemon ends npm's process group, removes the unfinished folder, and installs the same id
 * afresh.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_CATALOG } from "../src/discovery/builtin-catalog.js";
import { expectAllGone, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixturePath, isAlive, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const NAME = "@modelcontextprotocol/server-memory";

let dir: string;
let registry: Server | undefined;
const held: ServerResponse[] = [];
const daemons: DaemonProcess[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-install-interrupted-");
});

afterEach(async () => {
  for (const daemon of daemons.splice(0)) {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL");
  }
  for (const response of held.splice(0)) response.destroy();
  registry?.closeAllConnections();
  await new Promise((resolve) => registry?.close(resolve) ?? resolve(undefined));
  registry = undefined;
  removeTempDir(dir);
});

/** The version the built-in catalog pins for "memory". */
function memoryVersion(): string {
  const entry = BUILTIN_CATALOG.find((server) => server.name === "io.github.modelcontextprotocol/server-memory");
  return entry!.packages![0]!.version!;
}

/** A tarball of a package with the catalog's name and version whose bin runs the echo fixture. */
function packPackage(version: string): Buffer {
  const source = join(dir, "package");
  mkdirSync(join(source, "dist"), { recursive: true });
  writeFileSync(join(source, "dist", "index.js"), `import ${JSON.stringify(pathToFileURL(fixturePath("echo-server.mjs")).href)};\n`);
  writeFileSync(join(source, "package.json"), JSON.stringify({ name: NAME, version, type: "module", bin: { "mcp-server-memory": "dist/index.js" } }));
  const output = execFileSync("npm", ["pack", source, "--pack-destination", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return readFileSync(join(dir, output.trim().split("\n").at(-1)!));
}

/** An npm registry for the one package; while `hold()` says so, tarball downloads never finish. */
async function serveRegistry(version: string, tarball: Buffer, hold: () => boolean): Promise<{ url: string; downloads: () => number }> {
  let downloads = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent(request.url ?? "");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === `/${NAME}`) {
      const manifest = {
        name: NAME,
        version,
        bin: { "mcp-server-memory": "dist/index.js" },
        dist: {
          tarball: `${base}/tarball.tgz`,
          integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
          shasum: createHash("sha1").update(tarball).digest("hex"),
        },
      };
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ name: NAME, "dist-tags": { latest: version }, versions: { [version]: manifest } }));
    } else if (path === "/tarball.tgz") {
      downloads++;
      if (hold()) {
        held.push(response);
        return;
      }
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": tarball.length });
      response.end(tarball);
    } else {
      response.writeHead(404, { "content-type": "application/json" });
      response.end("{}");
    }
  });
  registry = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, downloads: () => downloads };
}

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
    const version = memoryVersion();
    let holding = true;
    const npmRegistry = await serveRegistry(version, packPackage(version), () => holding);
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
    expect(existsSync(join(folder, "node_modules", ...NAME.split("/"), "dist", "index.js"))).toBe(true);
    expect(readdirSync(folder)).not.toContain(".installing");
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
