import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { validateServer } from "../config/validate.js";
import { BUILTIN_CATALOG } from "./builtin-catalog.js";
import { installCommandFor, installInputs, installNotesFor, planInstall, runCommandFor } from "./install-plan.js";
import { entryId, normalizeServerJson, type CatalogEntry } from "./schema.js";

const builtin = new Map<string, CatalogEntry>(
  BUILTIN_CATALOG.map((raw) => normalizeServerJson(raw)).map((entry) => [entryId(entry), entry]),
);
function get(id: string): CatalogEntry {
  const entry = builtin.get(id);
  if (!entry) throw new Error(`no builtin ${id}`);
  return entry;
}

function caught(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("planInstall for npm packages", () => {
  it("installs into data/servers/<id> with scripts off and runs the bin with node", () => {
    const plan = planInstall(get("github"), {
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_secretvalue" },
      nodePath: "/usr/bin/node",
      dataDir: "/var/lib/pygent",
    });
    const dir = join("/var/lib/pygent", "servers", "github");
    expect(plan.kind).toBe("npm");
    expect(plan.install_command).toEqual([
      "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", dir,
      "@modelcontextprotocol/server-github@2025.4.8",
    ]);
    expect(plan.steps).toEqual([{ description: expect.stringContaining("install"), argv: plan.install_command }]);
    expect(plan.install_dir).toBe(dir);
    expect(plan.bin_unresolved).toBe(false);
    expect(plan.server).toEqual({
      id: "github",
      name: "GitHub",
      category: "development",
      description: get("github").description,
      health_check_interval: 30,
      auto_restart: true,
      transport: "stdio",
      command: ["/usr/bin/node", join(dir, "node_modules", "@modelcontextprotocol", "server-github", "dist", "index.js")],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_PERSONAL_ACCESS_TOKEN}" },
    });
    expect(plan.secrets).toEqual(["GITHUB_PERSONAL_ACCESS_TOKEN"]);
    expect(JSON.stringify(plan)).not.toContain("ghp_secretvalue");
    expect(validateServer(plan.server).ok).toBe(true);
  });

  it("names a missing required secret", () => {
    const error = caught(() => planInstall(get("github")));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toContain("env.GITHUB_PERSONAL_ACCESS_TOKEN: is required");
    expect(error.details).toEqual({ issues: [{ field: "env.GITHUB_PERSONAL_ACCESS_TOKEN", message: expect.stringContaining("is required") }] });
  });

  it("counts a secret already in the daemon's environment as provided", () => {
    const plan = planInstall(get("github"), { environment: { GITHUB_PERSONAL_ACCESS_TOKEN: "x" } });
    expect(plan.server.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_PERSONAL_ACCESS_TOKEN}" });
  });

  it("names every missing input at once and writes plain values and defaults in", () => {
    const error = caught(() => planInstall(get("slack"), { env: { SLACK_TEAM_ID: "T1" } }));
    expect(error.message).toContain("env.SLACK_BOT_TOKEN");
    expect(error.message).not.toContain("SLACK_TEAM_ID");
    const gitlab = planInstall(get("gitlab"), { env: { GITLAB_PERSONAL_ACCESS_TOKEN: "x" } });
    expect(gitlab.server.env).toEqual({
      GITLAB_PERSONAL_ACCESS_TOKEN: "${GITLAB_PERSONAL_ACCESS_TOKEN}",
      GITLAB_API_URL: "https://gitlab.com/api/v4",
    });
  });

  it("passes package arguments, requiring the required ones", () => {
    expect(caught(() => planInstall(get("filesystem"))).message).toContain("arguments.allowed_directory: is required");
    const plan = planInstall(get("filesystem"), { arguments: { allowed_directory: ["/srv/a", "/srv/b"] }, nodePath: "node" });
    expect(plan.server.command?.slice(2)).toEqual(["/srv/a", "/srv/b"]);
    expect(planInstall(get("everything"), { nodePath: "node" }).server.command?.at(-1)).toBe("stdio");
    expect(planInstall(get("redis"), { nodePath: "node" }).server.command?.at(-1)).toBe("redis://localhost:6379");
  });

  it("shows the command an install will run before anything is given, a placeholder for each value asked for", () => {
    const memory = runCommandFor(get("memory"), { nodePath: "node" });
    expect(memory).toEqual(["node", join("data", "servers", "memory", "node_modules", "@modelcontextprotocol", "server-memory", "dist", "index.js")]);
    expect(runCommandFor(get("filesystem"), { nodePath: "node" }).slice(2)).toEqual(["<allowed_directory>"]);
    expect(runCommandFor(get("github"), { nodePath: "node" })).toHaveLength(2);
    expect(runCommandFor(get("cloudflare-docs"))).toEqual([]);
  });

  it("guesses the .bin path when the entry does not say which file to run, and says so", () => {
    const entry = normalizeServerJson({
      name: "io.github.acme/tool",
      description: "A tool",
      version: "1.0.0",
      packages: [{ registryType: "npm", identifier: "@acme/tool-mcp", version: "1.0.0", transport: { type: "stdio" } }],
    });
    const plan = planInstall(entry, { nodePath: "node" });
    expect(plan.bin_unresolved).toBe(true);
    expect(plan.server.command).toEqual(["node", join("data", "servers", "tool", "node_modules", ".bin", "tool-mcp")]);
  });

  it("refuses package references that are unsafe to hand to npm", () => {
    const make = (identifier: string, version: string, registryBaseUrl?: string) =>
      normalizeServerJson({
        name: "io.github.acme/tool",
        description: "A tool",
        version: "1.0.0",
        packages: [{ registryType: "npm", identifier, version, transport: { type: "stdio" }, ...(registryBaseUrl ? { registryBaseUrl } : {}) }],
      });
    expect(caught(() => planInstall(make("--global", "1.0.0"))).message).toContain("packages[0].identifier");
    expect(caught(() => planInstall(make("ok", "^1.0.0"))).message).toContain("packages[0].version: must be an exact version");
    expect(caught(() => planInstall(make("ok", "1.0.0", "https://evil.example.com"))).message).toContain("packages[0].registryBaseUrl");
    expect(caught(() => planInstall(make("ok", "1.0.0"), { id: "../x" })).code).toBe("INVALID_ID");
  });
});

describe("planInstall for PyPI packages", () => {
  it("runs the pinned package with uvx, and with pipx when asked", () => {
    const plan = planInstall(get("time"), { arguments: { "--local-timezone": "Europe/Berlin" } });
    expect(plan.kind).toBe("pypi");
    expect(plan.steps).toEqual([]);
    expect(plan.install_command).toEqual(["uvx", "--from", "mcp-server-time==2026.10.19", "mcp-server-time"]);
    expect(plan.server.command).toEqual(["uvx", "--from", "mcp-server-time==2026.10.19", "mcp-server-time", "--local-timezone", "Europe/Berlin"]);
    const pipx = planInstall(get("fetch"), { pythonRunner: "pipx" });
    expect(pipx.server.command).toEqual(["pipx", "run", "--spec", "mcp-server-fetch==2026.10.24", "mcp-server-fetch"]);
    expect(caught(() => planInstall(get("sqlite"))).message).toContain("arguments.--db-path: is required");
  });
});

describe("planInstall for OCI images", () => {
  it("pulls the pinned image and runs it with docker, forwarding env by name", () => {
    const entry = normalizeServerJson({
      name: "io.github.acme/box",
      description: "Boxed",
      version: "2.0.0",
      packages: [
        {
          registryType: "oci",
          identifier: "docker.io/acme/box",
          version: "2.0.0",
          transport: { type: "stdio" },
          environmentVariables: [{ name: "BOX_TOKEN", isRequired: true, isSecret: true }],
        },
      ],
    });
    const plan = planInstall(entry, { env: { BOX_TOKEN: "t" } });
    expect(plan.steps.map((s) => s.argv)).toEqual([["docker", "pull", "docker.io/acme/box:2.0.0"]]);
    expect(plan.server.command).toEqual(["docker", "run", "-i", "--rm", "-e", "BOX_TOKEN", "docker.io/acme/box:2.0.0"]);
    expect(plan.server.env).toEqual({ BOX_TOKEN: "${BOX_TOKEN}" });
  });
});

describe("OCI runtime flags", () => {
  const boxWith = (runtimeArguments: unknown[]): CatalogEntry =>
    normalizeServerJson({
      name: "io.github.acme/box",
      description: "Boxed",
      version: "2.0.0",
      packages: [{ registryType: "oci", identifier: "docker.io/acme/box", version: "2.0.0", transport: { type: "stdio" }, runtimeArguments }],
    });

  it("refuses flags that reach the host, naming each, unless the config allows them", () => {
    const entry = boxWith([
      { type: "named", name: "--privileged", format: "boolean", value: "true" },
      { type: "named", name: "-v", value: "/:/host" },
      { type: "positional", value: "--network=host" },
      { type: "named", name: "--mount", value: "type=bind,source=/etc,target=/etc" },
      { type: "named", name: "--cap-add", value: "SYS_ADMIN" },
      { type: "named", name: "--security-opt", value: "seccomp=unconfined" },
      { type: "named", name: "--device", value: "/dev/kvm" },
    ]);
    const refused = caught(() => planInstall(entry));
    expect(refused.code).toBe("VALIDATION_FAILED");
    const messages = (refused.details as { issues: Array<{ field: string; message: string }> }).issues.map((issue) => issue.message);
    expect(messages).toEqual([
      '"--privileged" is refused: it gives the container every device and capability of the host; set discovery.oci.allow_unsafe_flags to allow it',
      '"-v /:/host" is refused: it mounts a host path into the container; set discovery.oci.allow_unsafe_flags to allow it',
      '"--network host" is refused: it puts the container in the host\'s namespace; set discovery.oci.allow_unsafe_flags to allow it',
      '"--mount type=bind,source=/etc,target=/etc" is refused: it mounts a host path into the container; set discovery.oci.allow_unsafe_flags to allow it',
      '"--cap-add" is refused: it gives the container extra kernel capabilities; set discovery.oci.allow_unsafe_flags to allow it',
      '"--security-opt seccomp=unconfined" is refused: it turns off the container\'s confinement; set discovery.oci.allow_unsafe_flags to allow it',
      '"--device" is refused: it gives the container a host device; set discovery.oci.allow_unsafe_flags to allow it',
    ]);
    expect(planInstall(entry, { allowUnsafeOciFlags: true }).server.command).toContain("--privileged");
  });

  it("lets harmless flags and named volumes through, and shows every flag before install", () => {
    const entry = boxWith([
      { type: "named", name: "--memory", value: "512m" },
      { type: "named", name: "-v", value: "box-data:/data" },
      { type: "named", name: "--network", value: "bridge" },
    ]);
    expect(planInstall(entry).server.command).toEqual([
      "docker", "run", "-i", "--rm", "--memory", "512m", "-v", "box-data:/data", "--network", "bridge", "docker.io/acme/box:2.0.0",
    ]);
    expect(installNotesFor(entry)).toEqual({
      runtime_flags: ["--memory", "512m", "-v", "box-data:/data", "--network", "bridge"],
      refused_runtime_flags: [],
      argv_secrets: [],
    });
    const unsafe = installNotesFor(boxWith([{ type: "named", name: "-v", valueHint: "host_dir" }, { type: "named", name: "--pid", value: "host" }]));
    expect(unsafe.runtime_flags).toEqual(["-v", "<value>", "--pid", "host"]);
    expect(unsafe.refused_runtime_flags).toEqual(['"--pid host" is refused: it puts the container in the host\'s namespace']);
  });
});

describe("secret arguments and URL variables", () => {
  it("writes a secret package argument as a ${NAME} reference and lists it as a secret", () => {
    const entry = normalizeServerJson({
      name: "io.github.acme/keyed",
      description: "Keyed",
      version: "1.0.0",
      packages: [
        {
          registryType: "pypi",
          identifier: "acme-keyed",
          version: "1.0.0",
          transport: { type: "stdio" },
          packageArguments: [
            { type: "named", name: "--api-key", isSecret: true, isRequired: true },
            { type: "named", name: "--token", value: "{token}", variables: { token: { isSecret: true } } },
          ],
        },
      ],
    });
    const plan = planInstall(entry, { env: { API_KEY: "k-secret", token: "t-secret" } });
    expect(plan.server.command!.slice(-4)).toEqual(["--api-key", "${API_KEY}", "--token", "${token}"]);
    expect(plan.secrets).toEqual(["API_KEY", "token"]);
    expect(JSON.stringify(plan)).not.toMatch(/k-secret|t-secret/);
    // The daemon's environment counts as given, as for secret environment variables.
    expect(planInstall(entry, { environment: { API_KEY: "x", token: "y" } }).secrets).toEqual(["API_KEY", "token"]);
    expect(installNotesFor(entry).argv_secrets).toEqual(["API_KEY", "token"]);
  });

  it("writes a secret URL variable as a reference", () => {
    const entry = normalizeServerJson({
      name: "com.example/keyed-url",
      description: "Key in the query",
      version: "1.0.0",
      remotes: [{ type: "streamable-http", url: "https://api.example.com/mcp?key={api_key}", variables: { api_key: { isRequired: true, isSecret: true } } }],
    });
    const plan = planInstall(entry, { env: { api_key: "q-secret" } });
    expect(plan.server.url).toBe("https://api.example.com/mcp?key=${api_key}");
    expect(plan.remote?.url).toBe("https://api.example.com/mcp?key=${api_key}");
    expect(plan.secrets).toEqual(["api_key"]);
    expect(validateServer(plan.server).ok).toBe(true);
  });
});

describe("planInstall for remotes", () => {
  it("registers the SSE endpoint, or Streamable HTTP when asked", () => {
    const plan = planInstall(get("cloudflare-docs"));
    expect(plan.kind).toBe("remote");
    expect(plan.steps).toEqual([]);
    expect(plan.install_command).toEqual([]);
    expect(plan.server).toMatchObject({ id: "cloudflare-docs", transport: "sse", url: "https://docs.mcp.cloudflare.com/sse" });
    expect(plan.server).not.toHaveProperty("command");
    const http = planInstall(get("cloudflare-docs"), { transport: "streamable-http" });
    expect(http.server).toMatchObject({ transport: "http", url: "https://docs.mcp.cloudflare.com/mcp" });
    expect(validateServer(http.server).ok).toBe(true);
  });

  it("adds an optional secret header only when its variable is given, as a reference", () => {
    expect(planInstall(get("cloudflare-radar")).server.headers).toBeUndefined();
    const plan = planInstall(get("cloudflare-radar"), { env: { CLOUDFLARE_API_TOKEN: "cf-secret" } });
    expect(plan.server.headers).toEqual({ Authorization: "Bearer ${CLOUDFLARE_API_TOKEN}" });
    expect(plan.secrets).toEqual(["CLOUDFLARE_API_TOKEN"]);
    expect(JSON.stringify(plan)).not.toContain("cf-secret");
  });

  it("fills URL variables and names a missing one", () => {
    const entry = normalizeServerJson({
      name: "com.example/tenant",
      description: "Per-tenant endpoint",
      version: "1.0.0",
      remotes: [{ type: "streamable-http", url: "https://{tenant}.example.com/mcp", variables: { tenant: { isRequired: true } } }],
    });
    expect(planInstall(entry, { env: { tenant: "acme" } }).server.url).toBe("https://acme.example.com/mcp");
    expect(caught(() => planInstall(entry)).message).toContain("remotes[0].url.{tenant}: needs variable tenant");
  });
});

describe("what cannot be installed", () => {
  it("says so for a source-only server and for unsupported package kinds", () => {
    expect(caught(() => planInstall(get("python-filesystem"))).message).toMatch(/no package or remote/);
    const nuget = normalizeServerJson({
      name: "io.github.acme/dotnet",
      description: "A .NET server",
      version: "1.0.0",
      packages: [{ registryType: "nuget", identifier: "Acme.Mcp", version: "1.0.0", transport: { type: "stdio" } }],
    });
    expect(() => installCommandFor(nuget)).toThrow(/nuget package/);
  });
});

describe("installInputs", () => {
  const entry = normalizeServerJson({
    name: "com.example/inputs",
    description: "Asks for one of each",
    version: "1.0.0",
    packages: [
      {
        registryType: "npm",
        identifier: "@example/inputs",
        version: "1.0.0",
        transport: { type: "stdio" },
        environmentVariables: [{ name: "API_KEY", description: "The key", isRequired: true, isSecret: true }],
        packageArguments: [
          { type: "named", name: "--db-path", isRequired: true },
          { type: "positional", valueHint: "root_dir", isRequired: true },
          { type: "named", name: "--fixed", value: "yes" },
        ],
      },
    ],
    remotes: [{ type: "streamable-http", url: "https://mcp.example.com/mcp", headers: [{ name: "X-Api-Token", isRequired: true, isSecret: true }] }],
  });

  it("lists what an install asks for, fixed values left out", () => {
    expect(installInputs(entry)).toEqual([
      { name: "API_KEY", kind: "env", description: "The key", required: true, secret: true },
      { name: "--db-path", kind: "argument", description: null, required: true, secret: false },
      { name: "root_dir", kind: "argument", description: null, required: true, secret: false },
      { name: "X_API_TOKEN", kind: "header", description: "the X-Api-Token header", required: true, secret: true },
    ]);
  });

  it("names each input as planInstall reads it: given under those names, every plan succeeds", () => {
    const inputs = installInputs(entry);
    const env = Object.fromEntries(inputs.filter((input) => input.kind !== "argument").map((input) => [input.name, "value"]));
    const args = Object.fromEntries(inputs.filter((input) => input.kind === "argument").map((input) => [input.name, "value"]));
    const plan = planInstall(entry, { env, arguments: args });
    expect(plan.server.command).toEqual(expect.arrayContaining(["--db-path", "value", "--fixed", "yes"]));
    expect(plan.secrets).toEqual(["API_KEY"]);
    const remote = planInstall(entry, { env, prefer: "remote" });
    expect(remote.server.headers).toEqual({ "X-Api-Token": "${X_API_TOKEN}" });
    // Without them, each required one is refused.
    expect(caught(() => planInstall(entry, { prefer: "remote" })).message).toContain("X_API_TOKEN");
  });
});
