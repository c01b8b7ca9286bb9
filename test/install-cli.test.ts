/**
 * `pygent discover ...`, `pygent install` and `pygent uninstall` run in-process against the real
 * app on a real port: tables, the progress line (in place on a terminal, one line per step
 * otherwise), secrets taken from the shell's environment, and errors with exit codes.
 */
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogEntryInput } from "../src/discovery/index.js";
import { buildHarnessApp, createHarness, localEchoPackage, type Harness } from "./discovery/install-harness.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

let prefix: string;
let h: Harness;
let app: FastifyInstance;
let url: string;

const cli = (args: string[], options: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}) =>
  runCliCaptured(args, { PYGENT_URL: url, ...options.env }, options.tty === true);

beforeAll(async () => {
  prefix = makeTempDir("pygent-cli-prefix-");
  h = await createHarness({
    builtin: true,
    entries: [
      localEchoPackage(join(prefix, "npm"), "mem", [{ name: "MEM_TOKEN", description: "A token", isRequired: true, isSecret: true }]),
      {
        name: "io.test/boxed",
        description: "A container that asks for the host",
        version: "1.0.0",
        packages: [
          {
            registryType: "oci",
            identifier: "docker.io/acme/boxed",
            version: "1.0.0",
            transport: { type: "stdio" },
            runtimeArguments: [{ type: "named", name: "--privileged", format: "boolean", value: "true" }, { type: "named", name: "--memory", value: "256m" }],
            packageArguments: [{ type: "named", name: "--api-key", isSecret: true, isRequired: true }],
          },
        ],
        _meta: { "io.pygent/marketplace": { id: "boxed", category: "test", tags: [], featured: false } },
      } as CatalogEntryInput,
    ],
    environment: { PATH: process.env.PATH },
  });
  app = await buildHarnessApp(h, { bind: { host: "127.0.0.1", port: 0 } });
  url = await app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await app.close();
  await h.close();
  removeTempDir(prefix);
});

describe("pygent discover", () => {
  it("searches, best match first", async () => {
    const { code, stdout } = await cli(["discover", "search", "github"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+SCORE\s+CATEGORY\s+TRANSPORTS\s+INSTALLED\s+DESCRIPTION/);
    expect(lines[1]).toMatch(/^github\s/);
  });

  it("lists with filters and pages, and shows categories", async () => {
    const list = await cli(["discover", "list", "--category", "filesystem"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^filesystem\s/m);
    expect(list.stdout).toMatch(/^python-filesystem\s/m);
    const page = await cli(["discover", "list", "--limit", "2"]);
    expect(page.stdout).toMatch(/1-2 of \d+; more with --offset 2/);
    const json = JSON.parse((await cli(["discover", "list", "--registry-type", "remote", "--json"])).stdout) as { servers: { id: string }[] };
    expect(json.servers.map((s) => s.id)).toEqual(expect.arrayContaining(["cloudflare-docs"]));
    const categories = await cli(["discover", "categories"]);
    expect(categories.stdout).toMatch(/^CATEGORY\s+SERVERS/);
    expect(categories.stdout).toMatch(/^development\s+\d+/m);
  });

  it("shows what an install asks for", async () => {
    const { code, stdout } = await cli(["discover", "show", "github"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/GITHUB_PERSONAL_ACCESS_TOKEN\s+env, secret\s+yes/);
    expect(stdout).toContain("Install with: pygent install github --secret GITHUB_PERSONAL_ACCESS_TOKEN");
  });

  it("shows docker flags before install, the refused ones, and that a secret in argv is visible to ps", async () => {
    const { code, stdout } = await cli(["discover", "show", "boxed"]);
    expect(code).toBe(0);
    expect(stdout).toContain("docker run flags: --privileged --memory 256m");
    expect(stdout).toContain('refused: "--privileged" is refused: it gives the container every device and capability of the host');
    expect(stdout).toMatch(/note: API_KEY is passed on the server's command line; .* anyone on this machine can read the value with ps/);
    expect(stdout).toMatch(/API_KEY\s+argument, secret\s+yes/);
    expect(stdout).toContain("Install with: pygent install boxed --secret API_KEY");
  });
});

describe("pygent install / uninstall", () => {
  it("fails naming the missing secret, exit 1", async () => {
    const { code, stderr } = await cli(["install", "mem"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: cannot install "mem" without MEM_TOKEN/);
    expect(stderr).toContain("code: SECRET_REQUIRED (HTTP 400)");
  });

  it("refuses --secret NAME when the shell does not have it, as a usage error", async () => {
    const { code, stderr } = await cli(["install", "mem", "--secret", "MEM_TOKEN"]);
    expect(code).toBe(2);
    expect(stderr).toContain("MEM_TOKEN is not set in this shell's environment");
  });

  it("installs with the secret from the environment, prints the steps and a summary, then uninstalls", async () => {
    const { code, stdout, stderr } = await cli(["install", "mem", "--secret", "MEM_TOKEN"], { env: { MEM_TOKEN: "from-the-shell" } });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+5% resolving: looking up "mem"/m);
    expect(stdout).toMatch(/registering: registering "mem"/);
    expect(stdout).toMatch(/^Installed mem: running, 2 tools — npm pygent-test-echo@1\.0\.0 in [\d.]+ s; secrets stored: MEM_TOKEN$/m);
    expect(stdout).not.toContain("from-the-shell");
    expect(await h.store.secrets.valuesFor("mem")).toEqual({ MEM_TOKEN: "from-the-shell" });

    const removed = await cli(["uninstall", "mem"]);
    expect(removed.code).toBe(0);
    expect(removed.stdout.trim()).toBe("Uninstalled mem: unregistered, forgot 1 secret(s)");
  });

  it("redraws one progress line in place on a terminal", async () => {
    const { code, stdout } = await cli(["install", "mem", "--secret", "MEM_TOKEN=given-inline", "--no-start"], { tty: true });
    expect(code).toBe(0);
    expect(stdout).toContain("\r\u001b[2K");
    expect(stdout).toMatch(/\r\u001b\[2KInstalled mem: installed, not started/);
    await cli(["uninstall", "mem"]);
  });
});
