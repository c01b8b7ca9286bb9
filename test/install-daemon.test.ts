/**
 * Discovery inside the real daemon (createDaemon, a real port on 127.0.0.1): a corrupt discovery
 * cache is set aside and rebuilt at start, the config's local scan folders feed the catalog, an
 * install over HTTP runs the server, tool calls made through the daemon rank it in "popular",
 * and the cache written at stop keeps that usage.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { localEchoPackage } from "./discovery/install-harness.js";
import { isAlive, makeTempDir, removeTempDir } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-install-daemon-");
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe("discovery in the daemon", () => {
  it("rebuilds a corrupt cache at start, installs over HTTP, and ranks by tool calls made through it", async () => {
    const dataDir = join(dir, "data");
    const cacheDir = join(dataDir, "mcp_cache");
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, "discovered_servers.json"), '{"version": 1, "servers": {"trunc');
    const prefix = join(dir, "npm");
    localEchoPackage(prefix, "unused");
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [], discovery: { local_scan_dirs: [prefix] } }));

    daemon = await createDaemon({ dataDir, configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const { url } = await daemon.start();

    // The catalog loads once the API listens; a discovery request waits for it.
    const listed = await api<{ total: number }>(url, "GET", "/api/v1/mcp/discovery/servers?category=local");
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBeGreaterThanOrEqual(1);

    // The broken file was kept aside and a valid cache written from the sources.
    const files = readdirSync(cacheDir);
    expect(files.some((name) => name.startsWith("discovered_servers.json.corrupt-"))).toBe(true);
    const rebuilt = JSON.parse(readFileSync(join(cacheDir, "discovered_servers.json"), "utf8")) as { servers: Record<string, unknown> };
    expect(Object.keys(rebuilt.servers)).toEqual(expect.arrayContaining(["github", "memory", "pygent-test-echo"]));

    const installed = await api<{ server: { state: string; pid: number } }>(url, "POST", "/api/v1/mcp/discovery/install/pygent-test-echo", {});
    expect(installed.status).toBe(201);
    expect(installed.body.server.state).toBe("running");
    const pid = installed.body.server.pid;

    for (let i = 0; i < 3; i++) {
      const call = await api(url, "POST", "/api/v1/mcp/servers/pygent-test-echo/tools/echo/call", { arguments: { text: `hi ${i}` } });
      expect(call.status).toBe(200);
    }
    const popular = await api<{ servers: Array<{ id: string; usage: { installs: number; tool_calls: number } }> }>(url, "GET", "/api/v1/mcp/marketplace/popular?limit=1");
    expect(popular.body.servers[0]).toMatchObject({ id: "pygent-test-echo", usage: { installs: 1, tool_calls: 3 } });

    await daemon.stop();
    daemon = undefined;
    expect(isAlive(pid)).toBe(false);
    const saved = JSON.parse(readFileSync(join(cacheDir, "discovered_servers.json"), "utf8")) as {
      servers: Record<string, { usage: { installs: number; tool_calls: number }; capabilities?: { tools: string[] } }>;
    };
    expect(saved.servers["pygent-test-echo"]?.usage).toMatchObject({ installs: 1, tool_calls: 3 });
    expect(saved.servers["pygent-test-echo"]?.capabilities?.tools).toEqual(expect.arrayContaining(["echo", "add"]));
    // Nothing was installed into data/servers: the package was already present.
    expect(existsSync(join(dataDir, "servers", "pygent-test-echo"))).toBe(false);
  }, 60_000);
});
