import { chmodSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exposedSecretsWarning } from "./file-privacy.js";
import { loadConfigFile, parseConfigText } from "./loader.js";
import { MAX_FILE_BYTES_CEILING } from "./limits.js";
import { validateConfigFile } from "./validate.js";

const SECRET = "sk-live-0123456789abcdef";

function problems(input: unknown): string[] {
  const result = validateConfigFile(input);
  if (result.ok) throw new Error("expected the config to be refused");
  return result.issues.map((issue) => `${issue.field}: ${issue.message}`);
}

function thrownBy(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details });
  }
  throw new Error("expected a throw");
}

const servers = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `s${index}`, command: ["a"], enabled: false }));

describe("config limits", () => {
  it("refuses more servers than limits.max_servers, naming the count and the limit, and nothing else", () => {
    expect(problems({ servers: servers(1001) })).toEqual(["servers: 1001 servers, the limit is 1000 (limits.max_servers)"]);
    expect(problems({ servers: [...servers(3), { id: 1 }], limits: { max_servers: 2 } })).toEqual([
      "servers: 4 servers, the limit is 2 (limits.max_servers)",
    ]);
    expect(validateConfigFile({ servers: servers(1200), limits: { max_servers: 1200 } }).ok).toBe(true);
  });

  it("refuses an argv, env or headers over its per-server limit", () => {
    const limits = { max_argv_items: 3, max_argv_bytes: 10, max_env_entries: 2, max_env_bytes: 20 };
    expect(
      problems({
        limits,
        servers: [
          { id: "many", command: ["a", "b", "c", "d"] },
          { id: "long", command: ["abcdef", "ghijkl"] },
          { id: "env", command: ["a"], env: { A: "1", B: "2", C: "3" } },
          { id: "remote", url: "https://example.com/mcp", headers: { Authorization: `Bearer ${SECRET}` } },
        ],
      }),
    ).toEqual([
      'servers[0] (id "many").command: 4 items, the limit is 3 (limits.max_argv_items)',
      'servers[1] (id "long").command: 12 bytes, the limit is 10 (limits.max_argv_bytes)',
      'servers[2] (id "env").env: 3 entries, the limit is 2 (limits.max_env_entries)',
      'servers[3] (id "remote").headers: 44 bytes, the limit is 20 (limits.max_env_bytes)',
    ]);
  });

  it("names the limits section's own problems like any other field", () => {
    expect(problems({ servers: [], limits: { max_servers: 0, max_sockets: 3 } })).toEqual(
      expect.arrayContaining(['limits: unknown field "max_sockets"', expect.stringMatching(/^limits\.max_servers: /)]),
    );
  });

  it("refuses a file over limits.max_file_bytes, and one over the ceiling before reading it", async () => {
    const padded = (bytes: number, limits?: object) => {
      const head = JSON.stringify({ servers: [], ...(limits ? { limits } : {}), pad: "" }).slice(0, -2);
      return `${head}${" ".repeat(bytes - head.length - 2)}"}`;
    };
    expect(thrownBy(() => parseConfigText(padded(4 * 1024 * 1024 + 1), "c.json"))).toContain(
      "(file): 4194305 bytes, the limit is 4194304 (limits.max_file_bytes)",
    );
    expect(thrownBy(() => parseConfigText(padded(3000, { max_file_bytes: 2048 }), "c.json"))).toContain(
      "(file): 3000 bytes, the limit is 2048 (limits.max_file_bytes)",
    );
    const dir = mkdtempSync(join(tmpdir(), "pygent-limits-"));
    try {
      const path = join(dir, "huge.json");
      // Sparse: the size is there without the bytes, and a read would find only zeros, not JSON.
      writeFileSync(path, "");
      truncateSync(path, MAX_FILE_BYTES_CEILING + 1);
      await expect(loadConfigFile(path)).rejects.toThrow(`(file): ${MAX_FILE_BYTES_CEILING + 1} bytes, over ${MAX_FILE_BYTES_CEILING}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("secret values in validation problems", () => {
  it("names the field and the expected type of env, headers, url and command without quoting the value", () => {
    const lines = problems({
      servers: [
        { id: "a", command: ["x"], env: `API_KEY=${SECRET}` },
        { id: "b", command: ["x"], env: { API_KEY: 12345678 } },
        { id: "c", url: "https://example.com", headers: `Authorization: Bearer ${SECRET}` },
        { id: "d", url: 42 },
        { id: "e", command: `npx server --token ${SECRET}` },
      ],
    });
    expect(lines).toEqual([
      'servers[0] (id "a").env: must be a record, not a string',
      'servers[1] (id "b").env.API_KEY: must be a string, not a number',
      'servers[2] (id "c").headers: must be a record, not a string',
      'servers[3] (id "d").url: must be a string, not a number',
      'servers[4] (id "e").command: must be an array, not a string',
    ]);
    expect(lines.join("\n")).not.toContain("12345678");
  });

  it("does not quote the text around a JSON syntax error", () => {
    const text = `{"servers": [{"id": "a", "command": ["x"], "env": {"API_KEY": ${SECRET}}}]}`;
    const thrown = thrownBy(() => parseConfigText(text, "c.json"));
    expect(thrown).toContain("not valid JSON: Unexpected token");
    expect(thrown).not.toContain(SECRET.slice(0, 6));
  });
});

describe("literal secrets in a file others can read", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pygent-privacy-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function configFile(env: Record<string, string>, mode: number): string {
    const path = join(dir, "c.json");
    writeFileSync(path, JSON.stringify({ servers: [{ id: "a", command: ["x"], env }] }));
    chmodSync(path, mode);
    return path;
  }

  it("names the file, its mode and the fields, suggests chmod 600, and never shows a value", async () => {
    const path = configFile({ API_KEY: SECRET, GITHUB_TOKEN: "${GITHUB_TOKEN}", LOG_LEVEL: "debug" }, 0o644);
    const warning = await exposedSecretsWarning(path, await loadConfigFile(path));
    expect(warning).toMatchObject({ path, mode: "644", fields: ["servers[0].env.API_KEY"] });
    expect(warning?.message).toContain(`chmod 600 ${path}`);
    expect(JSON.stringify(warning)).not.toContain(SECRET);
  });

  it("says nothing for a private file, or one holding only references", async () => {
    const privateFile = configFile({ API_KEY: SECRET }, 0o600);
    expect(await exposedSecretsWarning(privateFile, await loadConfigFile(privateFile))).toBeUndefined();
    const references = configFile({ API_KEY: "${API_KEY}", Authorization: "Bearer ${TOKEN}" }, 0o644);
    expect(await exposedSecretsWarning(references, await loadConfigFile(references))).toBeUndefined();
  });
});
