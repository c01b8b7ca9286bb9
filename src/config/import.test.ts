/**
 * Importing other clients' MCP configs: Claude Desktop, Claude Code / Cursor, VS Code mcp.json
 * and settings.json, as people actually write them. Every converted entry must pass our schema.
 */
import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { importMcpServers, mergeConfig, sanitizeServerId } from "./import.js";
import { validateConfigFile } from "./validate.js";

function problems(fn: () => unknown): { message: string; issues: { field: string; message: string }[] } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe("CONFIG_INVALID");
    return { message: appError.message, issues: (appError.details as { issues?: { field: string; message: string }[] })?.issues ?? [] };
  }
  throw new Error("expected CONFIG_INVALID");
}

// ~/Library/Application Support/Claude/claude_desktop_config.json, as in the MCP quickstart.
const claudeDesktop = {
  mcpServers: {
    filesystem: {
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/Users/ada/Desktop", "/Users/ada/Downloads"],
    },
    github: {
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-github"],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_TOKEN}" },
    },
    "Cloudflare Docs": {
      command: "npx",
      args: ["mcp-remote", "https://docs.mcp.cloudflare.com/sse"],
    },
    "sqlite db": {
      command: "uvx",
      args: ["mcp-server-sqlite", "--db-path", "/Users/ada/test.db"],
      cwd: "/Users/ada",
    },
  },
  globalShortcut: "Cmd+Shift+Space",
};

// .vscode/mcp.json, as in the VS Code docs.
const vscodeMcpJson = {
  inputs: [{ type: "promptString", id: "perplexity-key", description: "Perplexity API Key", password: true }],
  servers: {
    Perplexity: {
      type: "stdio",
      command: "npx",
      args: ["-y", "server-perplexity-ask"],
      env: { PERPLEXITY_API_KEY: "${input:perplexity-key}" },
    },
    fetch: { type: "stdio", command: "uvx", args: ["mcp-server-fetch"], envFile: "${workspaceFolder}/.env" },
    github: { type: "http", url: "https://api.githubcopilot.com/mcp/", headers: { Authorization: "Bearer ${GITHUB_TOKEN}" } },
    "legacy-sse": { type: "sse", url: "http://localhost:3001/sse" },
  },
};

describe("importMcpServers", () => {
  it("converts a Claude Desktop config: command + args become argv, names become ids", () => {
    const { servers, warnings } = importMcpServers(claudeDesktop);
    expect(servers).toEqual([
      {
        id: "filesystem",
        command: ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/Users/ada/Desktop", "/Users/ada/Downloads"],
      },
      {
        id: "github",
        command: ["npx", "-y", "@modelcontextprotocol/server-github"],
        env: { GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_TOKEN}" },
      },
      { id: "Cloudflare-Docs", name: "Cloudflare Docs", command: ["npx", "mcp-remote", "https://docs.mcp.cloudflare.com/sse"] },
      { id: "sqlite-db", name: "sqlite db", command: ["uvx", "mcp-server-sqlite", "--db-path", "/Users/ada/test.db"], cwd: "/Users/ada" },
    ]);
    expect(warnings).toContain('ignored top-level field "globalShortcut"');
    expect(warnings).toContain('mcpServers.Cloudflare Docs: id "Cloudflare-Docs" was made from the name "Cloudflare Docs"');
    expect(validateConfigFile({ servers }).ok).toBe(true);
  });

  it("converts a VS Code mcp.json with stdio, http and sse servers, warning about inputs and envFile", () => {
    const { servers, warnings } = importMcpServers(vscodeMcpJson);
    expect(servers).toEqual([
      {
        id: "Perplexity",
        transport: "stdio",
        command: ["npx", "-y", "server-perplexity-ask"],
        env: { PERPLEXITY_API_KEY: "${input:perplexity-key}" },
      },
      { id: "fetch", transport: "stdio", command: ["uvx", "mcp-server-fetch"] },
      {
        id: "github",
        transport: "http",
        url: "https://api.githubcopilot.com/mcp/",
        headers: { Authorization: "Bearer ${GITHUB_TOKEN}" },
      },
      { id: "legacy-sse", transport: "sse", url: "http://localhost:3001/sse" },
    ]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('VS Code "inputs" are not imported'),
        'servers.fetch: ignored field "envFile"',
        expect.stringMatching(/^servers\.Perplexity: "PERPLEXITY_API_KEY" refers to a VS Code input/),
      ]),
    );
    expect(validateConfigFile({ servers }).ok).toBe(true);
  });

  it("reads the mcp.servers block of a VS Code settings.json without complaining about other settings", () => {
    const settings = {
      "editor.fontSize": 14,
      "files.autoSave": "afterDelay",
      mcp: { servers: { memory: { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] } } },
    };
    const { servers, warnings } = importMcpServers(settings);
    expect(servers).toEqual([{ id: "memory", command: ["npx", "-y", "@modelcontextprotocol/server-memory"] }]);
    expect(warnings).toEqual([]);
  });

  it("converts Cursor and Claude Code remote entries and Cline's disabled flag", () => {
    const cursor = {
      mcpServers: {
        linear: { url: "https://mcp.linear.app/sse", type: "sse" },
        notion: { url: "https://mcp.notion.com/mcp" },
        zapier: { type: "streamable-http", url: "https://mcp.zapier.com/api/mcp" },
        brave: { command: "npx", args: ["-y", "@modelcontextprotocol/server-brave-search"], disabled: true, autoApprove: ["search"] },
      },
    };
    const { servers, warnings } = importMcpServers(cursor);
    expect(servers).toEqual([
      { id: "linear", transport: "sse", url: "https://mcp.linear.app/sse" },
      { id: "notion", transport: "http", url: "https://mcp.notion.com/mcp" },
      { id: "zapier", transport: "http", url: "https://mcp.zapier.com/api/mcp" },
      { id: "brave", enabled: false, command: ["npx", "-y", "@modelcontextprotocol/server-brave-search"] },
    ]);
    expect(warnings).toEqual(['mcpServers.brave: ignored field "autoApprove"']);
  });

  it("turns number and boolean env values into strings with a warning", () => {
    const { servers, warnings } = importMcpServers({ mcpServers: { s: { command: "node", args: ["s.js", 8080], env: { PORT: 3000, DEBUG: true } } } });
    expect(servers[0]).toEqual({ id: "s", command: ["node", "s.js", "8080"], env: { PORT: "3000", DEBUG: "true" } });
    expect(warnings).toHaveLength(3);
  });

  it("warns when a command holds a whole command line, since no shell runs it", () => {
    const { warnings } = importMcpServers({ mcpServers: { s: { command: "npx -y some-server" } } });
    expect(warnings[0]).toMatch(/contains spaces/);
  });

  it("names the server and field of every entry it cannot convert, and converts none", () => {
    const { issues } = problems(() =>
      importMcpServers({
        mcpServers: {
          ok: { command: "node" },
          "no-command": { args: ["x"] },
          "bad-args": { command: "node", args: "server.js" },
          "bad-type": { type: "websocket", url: "ws://x" },
          "bad-url": { type: "http", url: "not a url" },
          "bad-env": { command: "node", env: { A: { nested: true } } },
          "not-object": "npx foo",
        },
      }),
    );
    expect(issues).toEqual([
      { field: "mcpServers.no-command.command", message: "is required (or give url for a remote server)" },
      { field: "mcpServers.bad-args.args", message: "must be an array of strings" },
      { field: "mcpServers.bad-type.type", message: 'must be "stdio", "sse" or "http", not "websocket"' },
      { field: "mcpServers.bad-url.url", message: "must be an absolute http(s) URL" },
      { field: "mcpServers.bad-env.env.A", message: "must be a string" },
      { field: "mcpServers.not-object", message: "must be an object" },
    ]);
  });

  it("says what it expected when the file has no server map", () => {
    expect(problems(() => importMcpServers({ editor: {} })).message).toMatch(/no MCP servers found.*mcpServers/);
    expect(problems(() => importMcpServers([1, 2])).message).toMatch(/JSON object/);
  });

  it("passes entries of our own format through after validating them", () => {
    const own = { servers: [{ id: "fs", command: ["npx", "x"], health_check_interval: 10 }] };
    const { servers, warnings } = importMcpServers(own);
    expect(servers).toEqual(own.servers);
    expect(warnings[0]).toMatch(/already in PyGent format/);
    expect(problems(() => importMcpServers({ servers: [{ id: "fs" }] })).issues[0]?.field).toBe('servers[0] (id "fs").command');
  });

  it("gives distinct ids to names that sanitize alike", () => {
    const { servers } = importMcpServers({ mcpServers: { "my server": { command: "a" }, "my/server": { command: "b" } } });
    expect(servers.map((s) => s.id)).toEqual(["my-server", "my-server-2"]);
  });
});

describe("sanitizeServerId", () => {
  it("makes any name fit the id rule", () => {
    expect(sanitizeServerId("GitHub Tools")).toBe("GitHub-Tools");
    expect(sanitizeServerId("@scope/pkg")).toBe("scope-pkg");
    expect(sanitizeServerId("café ☕ server")).toBe("cafe-server");
    expect(sanitizeServerId("../../etc")).toBe("etc");
    expect(sanitizeServerId("a..b")).toBe("a.b");
    expect(sanitizeServerId("☕")).toBe("server");
    expect(sanitizeServerId("x".repeat(100))).toHaveLength(64);
  });
});

describe("mergeConfig", () => {
  const existing = { servers: [{ id: "fs", command: ["npx", "old"], category: "files" }, { id: "mem", command: ["npx", "m"] }] };

  it("appends new servers and keeps existing entries as written", () => {
    const result = mergeConfig(existing, [{ id: "git", command: ["uvx", "mcp-server-git"] }], { merge: false });
    expect(result.config.servers).toEqual([...existing.servers, { id: "git", command: ["uvx", "mcp-server-git"] }]);
    expect(result).toMatchObject({ added: ["git"], replaced: [] });
  });

  it("refuses to overwrite an id without merge, naming the ids", () => {
    const { message, issues } = problems(() => mergeConfig(existing, [{ id: "fs", command: ["npx", "new"] }, { id: "x", command: ["y"] }], { merge: false }));
    expect(message).toContain('"fs"');
    expect(message).toContain("--merge");
    expect(issues).toEqual([{ field: 'servers (id "fs")', message: "already exists" }]);
  });

  it("replaces same-id servers in place with merge", () => {
    const result = mergeConfig(existing, [{ id: "fs", command: ["npx", "new"] }], { merge: true });
    expect(result.config.servers[0]).toEqual({ id: "fs", command: ["npx", "new"] });
    expect(result.config.servers[1]).toEqual(existing.servers[1]);
    expect(result).toMatchObject({ added: [], replaced: ["fs"] });
  });

  it("starts a new file when there is none", () => {
    expect(mergeConfig(undefined, [{ id: "a", command: ["b"] }], { merge: false }).config).toEqual({ servers: [{ id: "a", command: ["b"] }] });
  });
});
