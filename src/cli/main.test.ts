/**
 * The pygent CLI run in-process (runCli) with captured output: exit codes, error printing, and
 * the requests client commands send, against a real HTTP server on 127.0.0.1 that answers in
 * the daemon's shapes. validate probes real fixture servers; token commands use a real store.
 * End-to-end runs against the real daemon live in test/ (see the note in the report).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../../test/helpers/cli-in-process.js";
import { freePort } from "../../test/helpers/network.js";

interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

let server: Server;
let daemonUrl: string;
let requests: Recorded[] = [];
const routes = new Map<string, (res: ServerResponse, body: unknown) => void>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      requests.push({ method: req.method ?? "", path: url.pathname + url.search, auth: req.headers.authorization, body });
      const handler = routes.get(`${req.method} ${url.pathname}`);
      if (handler) handler(res, body);
      else send(res, 404, { error: { code: "SERVER_NOT_FOUND", message: "No MCP server has this id." } });
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  daemonUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

beforeEach(() => {
  requests = [];
  routes.clear();
});

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function view(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: id,
    transport: "stdio",
    category: null,
    description: null,
    source: "api",
    enabled: true,
    state: "running",
    reason: null,
    pid: 4321,
    restarts: 0,
    started_at: 1,
    next_restart_at: null,
    tools_count: 2,
    config: {},
    ...overrides,
  };
}

describe("usage and exit codes", () => {
  it("prints the version and help with exit 0", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(await run(["--version"])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await run(["servers", "add", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("--no-start");
  });

  it("exits 2 for an unknown command, a bad option value, or no command", async () => {
    const unknown = await run(["serverz"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command 'serverz'/);
    const badLimit = await run(["servers", "logs", "fs", "--limit", "0"]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain("must be a whole number above 0");
    expect((await run([])).code).toBe(2);
    expect((await run(["servers"])).code).toBe(2);
    expect((await run(["token", "create"])).stderr).toContain("--role");
  });

  it("exits 2 when servers add is not told how to reach the server, before any request", async () => {
    const env = { PYGENT_URL: daemonUrl };
    const none = await run(["servers", "add", "fs"], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("error: give the command after -- (pygent servers add <id> -- npx -y <package>) or --url for a remote server\n");
    const both = await run(["servers", "add", "fs", "--url", "https://x.example/mcp", "--", "node", "s.js"], env);
    expect(both.code).toBe(2);
    expect(requests).toEqual([]);
  });
});

describe("client commands", () => {
  it("says how to start the daemon when nothing listens, with exit 1", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await run(["health", "--url", url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: daemon not reachable at ${url} — start it with \`npm start\` or \`pygent serve\`\n`);
    expect(result.stderr).not.toContain("    at ");
  });

  it("prints a stack trace only with PYGENT_DEBUG=1", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await run(["servers", "list"], { PYGENT_URL: url, PYGENT_DEBUG: "1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ApiError");
    expect(result.stderr).toContain("    at ");
  });

  it("lists servers as a table, taking the URL and token from the command, before it, or the environment", async () => {
    routes.set("GET /api/v1/mcp/servers", (res) =>
      send(res, 200, {
        servers: [
          view("filesystem"),
          view("flaky", { state: "crash_loop", pid: null, restarts: 5, tools_count: null, reason: "exited with code 1 (5 failures in 300 s)" }),
        ],
      }),
    );
    const result = await run(["servers", "list", "--url", daemonUrl, "--token", "pgf_a"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "ID          STATE       TRANSPORT   PID  RESTARTS  TOOLS  REASON",
        "filesystem  running     stdio      4321         0      2  -",
        "flaky       crash_loop  stdio         -         5      -  exited with code 1 (5 failures in 300 s)",
        "",
      ].join("\n"),
    );
    await run(["--url", daemonUrl, "--token", "pgf_b", "servers", "ls"]);
    await run(["servers", "list", "--json"], { PYGENT_URL: daemonUrl, PYGENT_TOKEN: "pgf_c" });
    expect(requests.map((r) => r.auth)).toEqual(["Bearer pgf_a", "Bearer pgf_b", "Bearer pgf_c"]);
  });

  it("prints the API error's message, code and field issues one per line", async () => {
    routes.set("POST /api/v1/mcp/servers", (res) =>
      send(res, 400, {
        error: {
          code: "VALIDATION_FAILED",
          message: "The request is not valid.",
          details: { issues: [{ field: "command[0]", message: "must not be empty" }, { field: "health_check_interval", message: "must be at least 1 second" }] },
        },
      }),
    );
    const result = await run(["servers", "add", "x", "--", "node"], { PYGENT_URL: daemonUrl });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        "error: The request is not valid.",
        "code: VALIDATION_FAILED (HTTP 400)",
        "  command[0]: must not be empty",
        "  health_check_interval: must be at least 1 second",
        "",
      ].join("\n"),
    );
  });

  it("does not print the issues twice when the message is only the issues", async () => {
    routes.set("POST /api/v1/mcp/servers", (res) =>
      send(res, 400, {
        error: {
          code: "VALIDATION_FAILED",
          message: "id: may contain only letters\ncommand: is required",
          details: { issues: [{ field: "id", message: "may contain only letters" }, { field: "command", message: "is required" }] },
        },
      }),
    );
    const result = await run(["servers", "add", "a-b", "--", "node"], { PYGENT_URL: daemonUrl });
    expect(result.stderr).toBe(
      "error: 2 problem(s) in the request\ncode: VALIDATION_FAILED (HTTP 400)\n  id: may contain only letters\n  command: is required\n",
    );
  });

  it("adds a stdio server with the argv after --, env, and --no-start", async () => {
    routes.set("POST /api/v1/mcp/servers", (res) => send(res, 201, view("fs", { state: "stopped", pid: null, tools_count: null })));
    const result = await run(
      ["servers", "add", "fs", "-e", "ROOT=/tmp", "--env", "TOKEN=${FS_TOKEN}", "--category", "files", "--no-start", "--no-auto-restart", "--health-check-interval", "15", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "--flag"],
      { PYGENT_URL: daemonUrl },
    );
    expect(result).toMatchObject({ code: 0, stdout: "Added server fs: stopped\n" });
    expect(requests[0]?.body).toEqual({
      id: "fs",
      command: ["npx", "-y", "@modelcontextprotocol/server-filesystem", "--flag"],
      env: { ROOT: "/tmp", TOKEN: "${FS_TOKEN}" },
      category: "files",
      auto_restart: false,
      health_check_interval: 15,
      start: false,
    });
  });

  it("adds a remote server: --url after add is the server's, --url before it is the daemon's", async () => {
    routes.set("POST /api/v1/mcp/servers", (res) => send(res, 201, view("docs", { transport: "sse" })));
    const result = await run(["--url", daemonUrl, "servers", "add", "docs", "--url", "https://docs.mcp.cloudflare.com/sse", "--transport", "sse", "-H", "Authorization=Bearer x"]);
    expect(result.code).toBe(0);
    expect(requests[0]?.body).toEqual({
      id: "docs",
      url: "https://docs.mcp.cloudflare.com/sse",
      transport: "sse",
      headers: { Authorization: "Bearer x" },
    });
  });

  it("starts, stops and removes by id, exiting 1 when a started server ends up failed", async () => {
    routes.set("POST /api/v1/mcp/servers/fs/stop", (res) => send(res, 200, view("fs", { state: "stopped", pid: null })));
    routes.set("POST /api/v1/mcp/servers/bad/start", (res) => send(res, 200, view("bad", { state: "failed", pid: null, tools_count: null, reason: "command not found: nosuch" })));
    routes.set("DELETE /api/v1/mcp/servers/fs", (res) => send(res, 204));
    const env = { PYGENT_URL: daemonUrl };
    expect(await run(["servers", "stop", "fs"], env)).toMatchObject({ code: 0, stdout: "Server fs: stopped, 2 tools\n" });
    expect(await run(["servers", "start", "bad"], env)).toMatchObject({ code: 1, stdout: "Server bad: failed (command not found: nosuch)\n" });
    expect(await run(["servers", "remove", "fs"], env)).toMatchObject({ code: 0, stdout: "Removed server fs\n" });
    const missing = await run(["servers", "restart", "nope"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("code: SERVER_NOT_FOUND (HTTP 404)");
  });

  it("prints recent log lines", async () => {
    routes.set("GET /api/v1/mcp/servers/fs/logs", (res) =>
      send(res, 200, { server_id: "fs", lines: [{ stream: "stderr", line: "Secure MCP Filesystem Server running on stdio", at: Date.UTC(2026, 0, 2, 3, 4, 5) }] }),
    );
    const result = await run(["servers", "logs", "fs", "-n", "5"], { PYGENT_URL: daemonUrl });
    expect(result.stdout).toBe("2026-01-02T03:04:05.000Z stderr Secure MCP Filesystem Server running on stdio\n");
    expect(requests[0]?.path).toBe("/api/v1/mcp/servers/fs/logs?limit=5");
  });

  it("lists tools with the first line of each description", async () => {
    routes.set("GET /api/v1/mcp/servers/ev/capabilities", (res) =>
      send(res, 200, {
        server_name: "example-servers/everything",
        server_version: "1.0.0",
        protocol_version: "2025-06-18",
        capabilities: {},
        instructions: null,
        tools: [
          { name: "echo", description: "Echoes back the input\nwith more detail", input_schema: {} },
          { name: "add", description: "Adds two numbers", input_schema: {} },
        ],
        resources: [{ uri: "test://static/resource/1", name: "Resource 1" }],
        prompts: [],
        timings: { spawn_ms: 1, initialize_ms: 2, list_ms: 3 },
        captured_at: 1,
      }),
    );
    const result = await run(["servers", "tools", "ev"], { PYGENT_URL: daemonUrl });
    expect(result.stdout).toBe(
      [
        "ev: example-servers/everything 1.0.0 (protocol 2025-06-18): 2 tools, 1 resources, 0 prompts",
        "",
        "TOOL  DESCRIPTION",
        "echo  Echoes back the input",
        "add   Adds two numbers",
        "",
      ].join("\n"),
    );
  });

  it("calls a tool with merged --args and --arg, printing text as text and the rest as JSON", async () => {
    routes.set("POST /api/v1/mcp/servers/ev/tools/add/call", (res) =>
      send(res, 200, {
        content: [{ type: "text", text: "The sum of 2 and 3 is 5." }, { type: "image", data: "AAAA", mimeType: "image/png" }],
        is_error: false,
        duration_ms: 3,
      }),
    );
    routes.set("POST /api/v1/mcp/servers/ev/tools/fail/call", (res) =>
      send(res, 200, { content: [{ type: "text", text: "boom" }], is_error: true, duration_ms: 1 }),
    );
    const env = { PYGENT_URL: daemonUrl };
    const ok = await run(["servers", "call", "ev", "add", "--args", '{"a":1,"b":3}', "--arg", "a:=2", "--arg", "note=7"], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`The sum of 2 and 3 is 5.\n${JSON.stringify({ type: "image", data: "AAAA", mimeType: "image/png" }, null, 2)}\n`);
    expect(requests[0]?.body).toEqual({ arguments: { a: 2, b: 3, note: "7" } });
    const failed = await run(["servers", "call", "ev", "fail"], env);
    expect(failed).toMatchObject({ code: 1, stdout: "boom\n", stderr: "error: tool fail on ev reported an error\n" });
  });

  it("health exits 0 when healthy and 1 when critical, listing each component", async () => {
    let status = "healthy";
    routes.set("GET /api/v1/health", (res) =>
      send(res, 200, {
        status,
        version: "0.1.0",
        uptime_s: 3725,
        components: {
          database: { status: "healthy", details: { latency_ms: 0.1234, size_bytes: 4096 } },
          mcp: { status, details: { running: 3, failed: status === "healthy" ? 0 : 2, by_state: { running: 3, failed: 0, backoff: 1 } } },
        },
      }),
    );
    const env = { PYGENT_URL: daemonUrl };
    const healthy = await run(["health"], env);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toBe(
      [
        `PyGent Factory 0.1.0 at ${daemonUrl}: healthy, up 1h 2m`,
        "",
        "COMPONENT  STATUS   DETAILS",
        "database   healthy  latency_ms=0.12 size_bytes=4096",
        "mcp        healthy  running=3 failed=0 by_state.running=3 by_state.backoff=1",
        "",
      ].join("\n"),
    );
    status = "critical";
    expect((await run(["health"], env)).code).toBe(1);
    const json = await run(["health", "--json"], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "critical" });
  });
});

describe("servers import", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "pygent-import-"));
    return () => rm(dir, { recursive: true, force: true });
  });

  it("writes our format, refuses existing ids without --merge, and replaces them with it", async () => {
    const claude = join(dir, "claude_desktop_config.json");
    const output = join(dir, "mcp_server_configs.json");
    await writeFile(claude, JSON.stringify({ mcpServers: { memory: { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] } } }));

    const first = await run(["servers", "import", claude, "--output", output]);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toBe(`Wrote ${output} (new file, 1 servers): added memory\n`);
    expect(JSON.parse(await readFile(output, "utf8"))).toEqual({ servers: [{ id: "memory", command: ["npx", "-y", "@modelcontextprotocol/server-memory"] }] });

    const again = await run(["servers", "import", claude, "--output", output]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error: the config already has server "memory"; pass --merge to replace it');

    await writeFile(claude, JSON.stringify({ mcpServers: { memory: { command: "node", args: ["mem.js"] }, "new one": { url: "https://x.example/mcp" } } }));
    const dry = await run(["servers", "import", claude, "--output", output, "--merge", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).servers).toHaveLength(2);
    expect(dry.stderr).toContain("dry run:");
    expect(JSON.parse(await readFile(output, "utf8")).servers).toHaveLength(1);

    const merged = await run(["servers", "import", claude, "--output", output, "--merge"]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(`Wrote ${output} (2 servers): added new-one; replaced memory\n`);
    expect(merged.stderr).toContain('warning: mcpServers.new one: id "new-one" was made from the name "new one"');
    expect(JSON.parse(await readFile(output, "utf8")).servers).toEqual([
      { id: "memory", command: ["node", "mem.js"] },
      { id: "new-one", name: "new one", transport: "http", url: "https://x.example/mcp" },
    ]);
  });

  it("names the server and field of a bad entry and writes nothing", async () => {
    const source = join(dir, "mcp.json");
    const output = join(dir, "out.json");
    await writeFile(source, JSON.stringify({ servers: { broken: { type: "stdio", args: ["x"] } } }));
    const result = await run(["servers", "import", source, "--output", output]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: 1 problem(s) in the imported servers\n  servers.broken.command: is required (or give url for a remote server)\n");
    await expect(readFile(output)).rejects.toThrow(/ENOENT/);
  });
});

describe("validate", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "pygent-validate-"));
    return () => rm(dir, { recursive: true, force: true });
  });
  const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

  it("lists config problems one per line and exits 1", async () => {
    const config = join(dir, "mcp_server_configs.json");
    await writeFile(config, JSON.stringify({ servers: [{ id: "a b", command: [] }, { id: "ok", command: ["node"], colour: "red" }] }));
    const result = await run(["validate", "--config", config]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`error: ${config} has 3 problem(s)`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}servers\[0\] \(id "a b"\)\.id: may contain only/),
      '  servers[0] (id "a b").command: must not be empty',
      '  servers[1] (id "ok").(root): unknown field "colour"',
    ]);
  });

  it("probes every enabled server in parallel and reports each, exiting 1 when one fails", async () => {
    const config = join(dir, "mcp_server_configs.json");
    await writeFile(
      config,
      JSON.stringify({
        servers: [
          { id: "echo", command: [process.execPath, fixture("echo-server.mjs")] },
          { id: "dies", command: [process.execPath, fixture("exits-immediately.mjs")] },
          { id: "off", command: ["nosuch"], enabled: false },
        ],
      }),
    );
    const table = await run(["validate", "--config", config, "--timeout", "20"]);
    expect(table.code).toBe(1);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SERVER\s+TRANSPORT\s+STATUS\s+INIT MS\s+TOOLS\s+RESOURCES\s+PROMPTS\s+ERROR$/);
    expect(lines[1]).toMatch(/^echo\s+stdio\s+OK\s+\d+\s+2\s+1\s+1\s+-$/);
    expect(lines[2]).toMatch(/^dies\s+stdio\s+FAILED\s+-\s+-\s+-\s+-\s+\S/);
    expect(lines.at(-1)).toBe("1 of 2 servers passed (1 disabled, not checked)");

    const json = await run(["validate", "--config", config, "--json"]);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout) as { servers: { id: string; ok: boolean }[]; passed: number; failed: number };
    expect(body).toMatchObject({ passed: 1, failed: 1 });
    expect(body.servers.map((s) => [s.id, s.ok])).toEqual([["echo", true], ["dies", false]]);
  });

  it("gives each server its own startup_timeout unless --timeout overrides it", async () => {
    const config = join(dir, "mcp_server_configs.json");
    const hangs = { command: [process.execPath, fixture("hangs-on-initialize.mjs")] };
    await writeFile(config, JSON.stringify({ servers: [{ id: "quick", ...hangs, startup_timeout: 1 }, { id: "patient", ...hangs, startup_timeout: 2 }] }));
    const own = await run(["validate", "--config", config, "--json"]);
    const errors = (JSON.parse(own.stdout) as { servers: { error: string }[] }).servers.map((s) => s.error);
    expect(errors).toEqual(["did not answer initialize within 1 s (startup_timeout)", "did not answer initialize within 2 s (startup_timeout)"]);

    const overridden = await run(["validate", "--config", config, "--json", "--timeout", "0.5"]);
    const forced = (JSON.parse(overridden.stdout) as { servers: { error: string }[] }).servers.map((s) => s.error);
    expect(forced).toEqual(["did not answer initialize within 0.5 s (startup_timeout)", "did not answer initialize within 0.5 s (startup_timeout)"]);
  });
});

describe("token", () => {
  it("creates a token shown once, lists it without the secret, and revokes it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pygent-token-"));
    try {
      const created = await run(["token", "create", "--role", "operator", "--name", "ci", "--data-dir", dataDir]);
      expect(created.code).toBe(0);
      const secret = /(pgf_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
      expect(secret).toBeDefined();
      expect(created.stdout).toContain("shown only this once");
      const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stdout)?.[1] ?? "";

      const quiet = await run(["token", "create", "--role", "viewer", "--quiet", "--data-dir", dataDir]);
      expect(quiet.stdout).toMatch(/^pgf_[A-Za-z0-9_-]{43}\n$/);

      const list = await run(["token", "list", "--json", "--data-dir", dataDir]);
      const tokens = (JSON.parse(list.stdout) as { tokens: Record<string, unknown>[] }).tokens;
      expect(tokens.map((t) => [t.name, t.role])).toEqual([["ci", "operator"], [expect.stringMatching(/^viewer-\d{4}-\d{2}-\d{2}$/), "viewer"]]);
      expect(list.stdout).not.toContain(secret);
      expect(list.stdout).not.toContain("token_hash");

      expect(await run(["token", "revoke", id, "--data-dir", dataDir])).toMatchObject({ code: 0, stdout: `Revoked token ${id}\n` });
      expect((await run(["token", "revoke", id, "--data-dir", dataDir])).code).toBe(1);
      const table = await run(["token", "list", "--data-dir", dataDir]);
      expect(table.stdout.split("\n")[1]).toMatch(/ci\s+operator\s+\S+\s+-\s+-\s+\d{4}-/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
