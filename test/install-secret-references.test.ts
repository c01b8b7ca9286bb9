/**
 * A secret a catalog entry takes as a package argument or a URL variable stays a `${NAME}`
 * reference in every stored copy and view (servers table, GET, events, process-group record),
 * lives encrypted in the secrets store, and is filled in only when the child is spawned or the
 * request is sent. Real install service, real app, real SQLite, real echo fixture and
 * server-everything over Streamable HTTP.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { DomainEvent } from "../src/bus/index.js";
import type { CatalogEntryInput } from "../src/discovery/index.js";
import { buildHarnessApp, createHarness, localEchoPackage, remoteEntry, type Harness } from "./discovery/install-harness.js";
import { serveEverything } from "./helpers/http-servers.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const SECRET = "sk-live-ArgvSecretValue-98765";
const HOST = "127.0.0.1:8080";

let h: Harness | undefined;
let app: FastifyInstance | undefined;
let prefix: string | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  await app?.close();
  await h?.close();
  for (const child of children.splice(0)) if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  if (prefix) removeTempDir(prefix);
  app = undefined;
  h = undefined;
  prefix = undefined;
});

/** The echo fixture as an installed npm package whose entry takes `--api-key` as a secret argument. */
function keyedEchoEntry(id: string): CatalogEntryInput {
  prefix = makeTempDir("pygent-argv-secret-");
  const entry = localEchoPackage(join(prefix, "npm"), id) as { packages: Array<Record<string, unknown>> };
  entry.packages[0]!.packageArguments = [{ type: "named", name: "--api-key", description: "The service key", isRequired: true, isSecret: true }];
  return entry as unknown as CatalogEntryInput;
}

async function setUp(entries: CatalogEntryInput[], network = { allow_loopback: false, allow_private: false }): Promise<{ events: DomainEvent[] }> {
  h = await createHarness({ entries, environment: { PATH: process.env.PATH }, network });
  const events: DomainEvent[] = [];
  h.bus.subscribeAll((event) => events.push(event));
  app = await buildHarnessApp(h, { bind: { host: "127.0.0.1", port: 8080 } });
  return { events };
}

function inject(options: InjectOptions) {
  return app!.inject({ ...options, headers: { host: HOST, ...options.headers } });
}

/** Everything the database keeps on disk. */
function databaseBytes(dataDir: string): Buffer {
  return Buffer.concat(["pygent.db", "pygent.db-wal"].map((name) => join(dataDir, name)).filter(existsSync).map((file) => readFileSync(file)));
}

describe("secrets stay references", () => {
  it("a secret package argument is a ${NAME} reference in every stored copy and view; only the child gets the value", async () => {
    const { events } = await setUp([keyedEchoEntry("keyed")]);

    const installed = await inject({ method: "POST", url: "/api/v1/mcp/discovery/install/keyed", payload: { secrets: { API_KEY: SECRET } } });
    expect(installed.statusCode).toBe(201);
    expect(installed.body).not.toContain(SECRET);
    expect(installed.json().install.secrets).toEqual(["API_KEY"]);

    const view = await inject({ method: "GET", url: "/api/v1/mcp/servers/keyed" });
    expect(view.json()).toMatchObject({ state: "running" });
    expect(view.json().config.command.slice(-2)).toEqual(["--api-key", "${API_KEY}"]);
    expect(view.body).not.toContain(SECRET);

    // The child was spawned with the value: that is what the server reads (and what ps shows).
    const pid = view.json().pid as number;
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain(SECRET);

    const groups = await h!.store.processGroups.list();
    expect(groups.find((group) => group.server_id === "keyed")?.command).toContain("--api-key ${API_KEY}");
    const stored = [
      await h!.store.servers.get("keyed"),
      groups,
      await h!.store.serverEvents.listForServer("keyed", 100),
    ];
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(databaseBytes(h!.dataDir).includes(SECRET)).toBe(false);
    expect(await h!.store.secrets.valuesFor("keyed")).toEqual({ API_KEY: SECRET });
  });

  it("asks for a secret argument by its secret name, and refuses it given as a plain argument", async () => {
    await setUp([keyedEchoEntry("keyed")]);
    const missing = await inject({ method: "POST", url: "/api/v1/mcp/discovery/install/keyed", payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: "SECRET_REQUIRED", details: { missing: ["API_KEY"] } });

    const asArgument = await inject({ method: "POST", url: "/api/v1/mcp/discovery/install/keyed", payload: { arguments: { "--api-key": SECRET } } });
    expect(asArgument.statusCode).toBe(400);
    expect(asArgument.json().error.details.issues).toEqual([
      expect.objectContaining({ field: "arguments.--api-key", message: expect.stringContaining("give it as the secret API_KEY") }),
    ]);
    expect(asArgument.body).not.toContain(SECRET);

    const shown = (await inject({ method: "GET", url: "/api/v1/mcp/discovery/servers/keyed" })).json();
    expect(shown.inputs).toContainEqual(expect.objectContaining({ name: "API_KEY", kind: "argument", secret: true, required: true }));
    expect(shown.argv_secrets).toEqual(["API_KEY"]);
  });

  it("a refused install keeps no value of its arguments, env or secrets in the audit log, only their names", async () => {
    const entry = keyedEchoEntry("dsn");
    (entry as unknown as { packages: Array<Record<string, unknown>> }).packages[0]!.packageArguments = [
      { type: "named", name: "--connection-string", isRequired: true, isSecret: true },
      { type: "positional", valueHint: "dsn", isRequired: true, isSecret: true },
    ];
    await setUp([entry]);
    const named = `postgres://u:${SECRET}@db.internal/app`;
    const positional = `dsn-${SECRET}`;
    const refused = await inject({
      method: "POST",
      url: "/api/v1/mcp/discovery/install/dsn",
      payload: { arguments: { "--connection-string": named, dsn: [positional] }, env: { HOST_NAME: `env-${SECRET}` }, start: false },
    });
    expect(refused.statusCode).toBe(400);

    const audit = await inject({ method: "GET", url: "/api/v1/audit" });
    expect(audit.statusCode).toBe(200);
    const entryOf = (audit.json().entries as Array<{ action: string; details: unknown }>).find(
      (item) => item.action === "POST /api/v1/mcp/discovery/install/:server_id",
    );
    expect(entryOf?.details).toEqual({
      body: { arguments: { "--connection-string": "[redacted]", dsn: "[redacted]" }, env: { HOST_NAME: "[redacted]" }, start: false },
    });
    expect(audit.body).not.toContain(SECRET);
    expect(databaseBytes(h!.dataDir).includes(SECRET)).toBe(false);
  });

  it("a secret URL variable is a reference in the stored url and view; the request goes to the filled URL", async () => {
    const { port } = await serveEverything(children);
    // The path stands in for a key in the URL: unfilled, the request would miss /mcp.
    const entry = remoteEntry("keyed-remote", `http://127.0.0.1:${port}/{endpoint_key}`, {
      variables: { endpoint_key: { description: "The key in the URL", isRequired: true, isSecret: true } },
    });
    const { events } = await setUp([entry], { allow_loopback: true, allow_private: false });

    const installed = await inject({ method: "POST", url: "/api/v1/mcp/discovery/install/keyed-remote", payload: { secrets: { endpoint_key: "mcp" } } });
    expect(installed.statusCode).toBe(201);
    expect(installed.json().install.remote.url).toBe(`http://127.0.0.1:${port}/\${endpoint_key}`);
    const view = (await inject({ method: "GET", url: "/api/v1/mcp/servers/keyed-remote" })).json();
    expect(view).toMatchObject({ state: "running", config: { url: `http://127.0.0.1:${port}/\${endpoint_key}` } });
    expect((await h!.store.servers.get("keyed-remote"))?.config).toMatchObject({ url: `http://127.0.0.1:${port}/\${endpoint_key}` });
    const started = (await h!.store.serverEvents.listForServer("keyed-remote", 10)).find((event) => event.kind === "started");
    expect(started?.detail).toBe(`http://127.0.0.1:${port}/\${endpoint_key}`);
    expect(JSON.stringify(events)).not.toContain(`${port}/mcp`);
  });
});
