/**
 * The daemon around its config file and its port: a reload applies the `network` and
 * `discovery` sections at once and names in the `config_reloaded` event what waits for a
 * restart; a port already in use is reported before any server is spawned.
 */
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConfigReloadedEvent, DomainEvent } from "../src/bus/index.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon | undefined;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-daemon-reload-");
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  for (const close of closers.splice(0)) await close();
  removeTempDir(dir);
});

/** A registry on 127.0.0.1 serving one remote server named `name`. */
async function registry(name: string): Promise<string> {
  const server: Server = createHttpServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    const entry = { name: `io.example/${name}`, description: `from ${name}`, version: "1.0.0", remotes: [{ type: "streamable-http", url: `https://${name}.example.com/mcp` }] };
    response.end(JSON.stringify({ servers: [{ server: entry }], metadata: {} }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("daemon config reload", () => {
  it("applies network and discovery edits live and names the settings that need a restart", async () => {
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const reloads: ConfigReloadedEvent[] = [];
    daemon.bus.subscribeAll((event: DomainEvent) => {
      if (event.type === "config_reloaded") reloads.push(event);
    });
    const { url: base } = await daemon.start();
    const loopback = { url: "http://127.0.0.1:9/mcp" };
    await expect(daemon.manager.registerServer("near", loopback, { start: false })).rejects.toMatchObject({ code: "URL_NOT_ALLOWED" });

    const url = await registry("alpha");
    writeFileSync(
      configPath,
      JSON.stringify({
        servers: [],
        network: { allow_loopback: true },
        discovery: { registries: [{ url }] },
        alerts: { group_by: "server" },
        gateway: { separator: ".", approve_changes: false },
      }),
    );
    const reload = await waitFor(() => reloads[0], { timeoutMs: 10_000, message: "the config reload" });
    expect(reload.restart_required).toEqual(["alerts.group_by", "gateway.separator", "gateway.approve_changes"]);
    expect((await daemon.manager.registerServer("near", loopback, { start: false })).state).toBe("stopped");
    const listed = await daemon.app!.inject({ method: "GET", url: "/api/v1/mcp/discovery/servers/alpha", headers: { host: new URL(base).host } });
    expect(listed.statusCode).toBe(200);
  });
});

describe("daemon start", () => {
  it("reports a port already in use before starting any server", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [fixtureServer("echo", "echo-server.mjs")] }));
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port, logger: silentLogger() });
    const spawned: DomainEvent[] = [];
    daemon.bus.subscribe("server_status", (event) => spawned.push(event));
    await expect(daemon.start()).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
    expect(spawned).toEqual([]);
  });
});
