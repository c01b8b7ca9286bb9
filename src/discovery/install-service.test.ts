/**
 * The install service against a real store and MCP manager, without downloading anything: the
 * npm package used is the one already in this repository's node_modules (an "already installed"
 * entry), so these tests are about the pipeline — refusals, secrets, rollback, progress,
 * uninstall — while test/install-npm.test.ts runs npm for real.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseServer } from "../config/validate.js";
import { createHarness, failure, leftovers, npmEntry, remoteEntry, type Harness, type HarnessOptions } from "../../test/discovery/install-harness.js";
import { makeTempDir, removeTempDir, waitFor } from "../../test/helpers/processes.js";
import type { Installer } from "./installer.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MEMORY = "@modelcontextprotocol/server-memory";
const MEMORY_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", MEMORY, "package.json"), "utf8")) as { version: string }).version;

const harnesses: Harness[] = [];
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await createHarness(options);
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** server-memory from this repository's node_modules, declaring a secret and a plain variable. */
function localMemory(id = "mem") {
  return npmEntry(
    id,
    MEMORY,
    MEMORY_VERSION,
    {
      package: {
        environmentVariables: [
          { name: "MEMORY_API_TOKEN", description: "A token the server is given", isRequired: true, isSecret: true },
          { name: "MEMORY_LABEL", description: "A plain setting", isRequired: false },
        ],
      },
    },
    { local: true, install_prefix: REPO_ROOT, bin: "dist/index.js" },
  );
}

/** A PATH holding only the given fake executables. */
function fakePath(dir: string, commands: string[]): string {
  const bin = join(dir, "fake-bin");
  mkdirSync(bin, { recursive: true });
  for (const command of commands) {
    writeFileSync(join(bin, command), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, command), 0o755);
  }
  return bin;
}

describe("install refusals", () => {
  it("refuses an id that is not in the catalog, naming it", async () => {
    const h = await harness();
    const error = await failure(h.service.install("no-such-server"));
    expect(error.code).toBe("CATALOG_ENTRY_NOT_FOUND");
    expect(error.message).toContain('"no-such-server"');
    expect(h.service.status("no-such-server")).toMatchObject({ state: "failed", phase: "failed", error: { code: "CATALOG_ENTRY_NOT_FOUND" } });
  });

  it("refuses an install missing a required secret with SECRET_REQUIRED naming it, and keeps nothing", async () => {
    const h = await harness({ builtin: true, environment: { PATH: process.env.PATH } });
    const error = await failure(h.service.install("github"));
    expect(error.code).toBe("SECRET_REQUIRED");
    expect(error.status).toBe(400);
    expect(error.message).toContain("GITHUB_PERSONAL_ACCESS_TOKEN");
    expect(error.details).toMatchObject({ missing: ["GITHUB_PERSONAL_ACCESS_TOKEN"] });
    expect(await leftovers(h, "github")).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: "install_progress", server_id: "github", phase: "failed" });
  });

  it("names every missing input of a remote entry: URL variables and secret headers", async () => {
    const h = await harness({
      entries: [
        remoteEntry("tenant", "https://{TENANT}.mcp.example.com/mcp", {
          variables: { TENANT: { description: "Your tenant", isRequired: true } },
          headers: [{ name: "X-Api-Key", description: "API key", isRequired: true, isSecret: true }],
        }),
      ],
    });
    const error = await failure(h.service.install("tenant"));
    expect(error.code).toBe("SECRET_REQUIRED");
    expect(error.details).toMatchObject({ missing: ["TENANT", "X_API_KEY"] });
  });

  it("names the missing runtime: npm for npm packages, uvx or pipx for PyPI, docker for OCI", async () => {
    const h = await harness({
      builtin: true,
      entries: [
        {
          name: "io.test/oci-server",
          description: "an image",
          version: "1.0.0",
          packages: [{ registryType: "oci", identifier: "docker.io/example/mcp-server", version: "1.0.0", transport: { type: "stdio" } }],
          _meta: { "io.pygent/marketplace": { id: "oci-server", category: "test" } },
        },
      ],
      // A PATH without any of them: node alone is not enough.
      environment: { PATH: "/nonexistent-bin" },
    });
    const npm = await failure(h.service.install("sequential-thinking"));
    expect(npm.code).toBe("RUNTIME_MISSING");
    expect(npm.message).toContain("npm");
    const pypi = await failure(h.service.install("fetch"));
    expect(pypi.code).toBe("RUNTIME_MISSING");
    expect(pypi.message).toMatch(/uvx.*pipx/);
    expect(pypi.details).toEqual({ missing: ["uvx", "pipx"] });
    const oci = await failure(h.service.install("oci-server"));
    expect(oci.code).toBe("RUNTIME_MISSING");
    expect(oci.message).toContain("docker");
    for (const id of ["sequential-thinking", "fetch", "oci-server"]) expect(await leftovers(h, id)).toEqual([]);
  });

  it("refuses a remote entry whose URL names a forbidden address before anything is registered", async () => {
    const h = await harness({ entries: [remoteEntry("meta", "http://169.254.169.254/latest"), remoteEntry("lan", "http://10.1.2.3:8080/mcp")] });
    expect((await failure(h.service.install("meta"))).code).toBe("URL_NOT_ALLOWED");
    const lan = await failure(h.service.install("lan"));
    expect(lan.code).toBe("URL_NOT_ALLOWED");
    expect(lan.message).toMatch(/private/);
    expect(await leftovers(h, "lan")).toEqual([]);
  });

  it("refuses a second install of a registered server, and one of an id being installed", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Installer = {
      kind: "npm",
      preflight: () => undefined,
      async install(context) {
        await gate;
        return { server: context.plan.server };
      },
    };
    const h = await harness({ entries: [npmEntry("slow", "slow-package", "1.0.0")], service: { installers: [slow] } });
    const first = h.service.install("slow", { start: false });
    const second = await failure(h.service.install("slow"));
    expect(second.code).toBe("INSTALL_IN_PROGRESS");
    release();
    await first;
    const again = await failure(h.service.install("slow"));
    expect(again.code).toBe("SERVER_EXISTS");
    expect(again.message).toContain("pygent uninstall slow");
  });

  it("says when the id is already taken by the config file, so the user knows where to look", async () => {
    const h = await harness({ builtin: true });
    await h.manager.applyConfig([parseServer({ id: "sequential-thinking", command: ["/bin/true"], enabled: false })]);
    const error = await failure(h.service.install("sequential-thinking"));
    expect(error.code).toBe("SERVER_EXISTS");
    expect(error.status).toBe(409);
    expect(error.message).toContain("config file");
    expect(error.details).toMatchObject({ server_id: "sequential-thinking", source: "config" });
    expect(await leftovers(h, "sequential-thinking")).toEqual(["registration"]);
  });
});

describe("installing", () => {
  it("stores secrets outside the config, fills them in at start, and never shows their values", async () => {
    const h = await harness({ entries: [localMemory()], environment: { PATH: process.env.PATH, HOME: process.env.HOME } });
    const seen: string[] = [];
    const result = await h.service.install(
      "mem",
      { secrets: { MEMORY_API_TOKEN: "tok-very-secret-1", MEMORY_LABEL: "label-given-as-secret" } },
      { onProgress: (step) => seen.push(step.phase) },
    );
    expect(result.server.state).toBe("running");
    expect(result.install).toMatchObject({ kind: "npm", secrets: ["MEMORY_API_TOKEN", "MEMORY_LABEL"], started: true, install_dir: null });
    expect(result.install.capabilities?.tools).toContain("create_entities");
    // Already on disk: nothing to download, so no downloading or installing step.
    expect(seen).toEqual(["resolving", "resolving", "registering", "starting", "checking", "done"]);
    expect(h.events.map((event) => event.phase)).toEqual(seen);

    // The config holds references; the store holds the values.
    const stored = (await h.store.servers.get("mem"))!.config as { env: Record<string, string> };
    expect(stored.env).toEqual({ MEMORY_API_TOKEN: "${MEMORY_API_TOKEN}", MEMORY_LABEL: "${MEMORY_LABEL}" });
    expect(await h.store.secrets.valuesFor("mem")).toEqual({ MEMORY_API_TOKEN: "tok-very-secret-1", MEMORY_LABEL: "label-given-as-secret" });

    // The server process got the values.
    const pid = h.manager.get("mem").pid!;
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    expect(environ).toContain("MEMORY_API_TOKEN=tok-very-secret-1");

    // Nothing that is shown or published carries them.
    const shown = JSON.stringify([result, h.manager.list(), h.service.status("mem"), h.events, h.catalog.list()]);
    expect(shown).not.toContain("tok-very-secret-1");
    expect(shown).not.toContain("label-given-as-secret");
    expect(h.catalog.usage("mem")?.installs).toBe(1);
    expect(h.catalog.capabilities("mem")?.tools.length).toBeGreaterThan(0);
  });

  it("picks pipx when uvx is missing, and registers without starting when asked", async () => {
    const dir = makeTempDir("pygent-fakebin-");
    const h = await harness({ builtin: true, environment: { PATH: fakePath(dir, ["pipx"]) } });
    const result = await h.service.install("time", { start: false });
    expect(result.server.state).toBe("stopped");
    expect(result.install).toMatchObject({ kind: "pypi", started: false, install_dir: null });
    expect(result.server.config.command).toEqual(["pipx", "run", "--spec", expect.stringMatching(/^mcp-server-time==/), "mcp-server-time"]);
    expect(result.server.config.startup_timeout).toBeGreaterThanOrEqual(120);
    await h.service.uninstall("time");
    expect(await leftovers(h, "time")).toEqual([]);
    removeTempDir(dir);
  });

  it("rolls back a server that cannot start: registration, secrets and record are gone", async () => {
    const resolveHost = async () => ["10.9.8.7"];
    const h = await harness({
      resolveHost,
      entries: [
        remoteEntry("behind", "https://looks-public.example/mcp", {
          headers: [{ name: "Authorization", value: "Bearer {TOKEN}", isRequired: true, isSecret: true, variables: { TOKEN: { isRequired: true, isSecret: true } } }],
        }),
      ],
    });
    const error = await failure(h.service.install("behind", { secrets: { TOKEN: "bearer-secret-2" } }));
    expect(error.code).toBe("URL_NOT_ALLOWED");
    expect(error.message).toMatch(/looks-public\.example resolves to 10\.9\.8\.7/);
    expect(await leftovers(h, "behind")).toEqual([]);
    expect(JSON.stringify([h.events, h.service.status("behind")])).not.toContain("bearer-secret-2");
  });

  it("rolls back and reports when the daemon stops mid-install", async () => {
    const never: Installer = {
      kind: "npm",
      preflight: () => undefined,
      install: (context) =>
        new Promise((_resolve, reject) => context.signal.addEventListener("abort", () => reject(context.signal.reason), { once: true })),
    };
    const h = await harness({ entries: [npmEntry("stuck", "stuck-package", "1.0.0")], service: { installers: [never] } });
    const pending = failure(h.service.install("stuck"));
    await waitFor(() => h.service.status("stuck")?.phase === "resolving" && h.events.length >= 2, { message: "install under way" });
    await h.service.close();
    const error = await pending;
    expect(error.code).toBe("INSTALL_FAILED");
    expect(error.message).toMatch(/daemon is stopping/);
    expect(await leftovers(h, "stuck")).toEqual([]);
  });
});

describe("uninstall", () => {
  it("stops the server and removes its registration, secrets and record, but not a folder it does not own", async () => {
    const h = await harness({ entries: [localMemory()] });
    await h.service.install("mem", { secrets: { MEMORY_API_TOKEN: "x" } });
    const result = await h.service.uninstall("mem");
    expect(result).toEqual({ server_id: "mem", unregistered: true, removed_dir: null, secrets_removed: 1 });
    expect(await leftovers(h, "mem")).toEqual([]);
    expect(readFileSync(join(REPO_ROOT, "node_modules", MEMORY, "package.json"), "utf8")).toContain(MEMORY);
    expect((await failure(h.service.uninstall("mem"))).code).toBe("SERVER_NOT_FOUND");
  });

  it("cleans up when an installed server is removed through the servers API instead", async () => {
    const h = await harness({ entries: [localMemory()] });
    await h.service.install("mem", { secrets: { MEMORY_API_TOKEN: "x" } });
    await h.manager.removeServer("mem");
    await waitFor(async () => (await leftovers(h, "mem")).length === 0, { message: "install forgotten" });
  });

  it("refuses to uninstall a config-file server", async () => {
    const h = await harness();
    await h.manager.applyConfig([parseServer({ id: "operator", command: [process.execPath, "--version"], enabled: false })]);
    expect((await failure(h.service.uninstall("operator"))).code).toBe("SERVER_CONFIG_MANAGED");
  });
});
