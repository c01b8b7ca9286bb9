import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expandArgv, expandReferences } from "./env-expansion.js";
import { parseConfigText } from "./loader.js";
import { redactConfig } from "./redact.js";
import { parseServer, validateConfigFile } from "./validate.js";

describe("config validation", () => {
  it("accepts the seed's entry and fills in defaults", () => {
    const result = validateConfigFile({
      servers: [
        {
          id: "cloudflare-browser",
          name: "Cloudflare Browser Rendering",
          command: ["npx", "mcp-remote", "https://browser.mcp.cloudflare.com/sse"],
          category: "automation",
          description: "Browser automation and rendering",
          health_check_interval: 30,
          auto_restart: true,
        },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.servers[0]).toMatchObject({ transport: "stdio", enabled: true, startup_timeout: 30, restart_max_failures: 5 });
  });

  it("takes start: on_demand with idle_stop, and refuses idle_stop on a server started with the daemon, naming the field", () => {
    const command = ["node", "server.js"];
    expect(parseServer({ id: "lazy", command, start: "on_demand", idle_stop: 300 })).toMatchObject({ start: "on_demand", idle_stop: 300 });
    expect(parseServer({ id: "eager", command }).start).toBe("with_daemon");
    const result = validateConfigFile({ servers: [{ id: "eager", command, idle_stop: 300 }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { field: 'servers[0] (id "eager").idle_stop', message: 'needs start: "on_demand" (a server started with the daemon would not come back after an idle stop)' },
    ]);
    const unknown = validateConfigFile({ servers: [{ id: "odd", command, start: "lazily" }] });
    expect(unknown.ok || unknown.issues[0]?.field).toBe('servers[0] (id "odd").start');
  });

  it("takes the gateway's separator when MCP allows it in tool names, and names the field when not", () => {
    const good = validateConfigFile({ gateway: { separator: "." } });
    expect(good.ok && good.value.gateway).toEqual({
      separator: ".",
      approve_changes: true,
      max_description_length: 8000,
      session_idle_timeout: 1800,
      max_sessions: 256,
      profiles: {},
      tools: {},
    });
    for (const separator of ["/", "", "a b", "x".repeat(17)]) {
      const bad = validateConfigFile({ gateway: { separator } });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(new Set(bad.issues.map((issue) => issue.field))).toEqual(new Set(["gateway.separator"]));
    }
  });

  it("takes the gateway's approval settings and names the field of a bad one", () => {
    const good = validateConfigFile({ gateway: { approve_changes: false, max_description_length: 500 } });
    expect(good.ok && good.value.gateway).toMatchObject({ separator: "__", approve_changes: false, max_description_length: 500 });
    const bad = validateConfigFile({ gateway: { approve_changes: "yes", max_description_length: 10 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((issue) => issue.field).sort()).toEqual(["gateway.approve_changes", "gateway.max_description_length"]);
  });

  it("names the field of a bad auth-failure or /ws limit in the security section, and fills in the defaults", () => {
    const result = validateConfigFile({
      security: { auth_failure_limit: 0, auth_failure_window: -1, auth_lockout: "5m", ws_max_connections: 1.5, ws_max_connections_per_token: 0 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.field).sort()).toEqual([
      "security.auth_failure_limit",
      "security.auth_failure_window",
      "security.auth_lockout",
      "security.ws_max_connections",
      "security.ws_max_connections_per_token",
    ]);
    const defaults = validateConfigFile({ security: {} });
    expect(defaults.ok && defaults.value.security).toMatchObject({
      auth_failure_limit: 10,
      auth_failure_window: 60,
      auth_lockout: 300,
      ws_max_connections: 100,
      ws_max_connections_per_token: 20,
    });
  });

  it("names the field of a bad rate limit, and fills in the defaults", () => {
    const result = validateConfigFile({
      security: { rate_limit: { per_address: { burst: 0, per_minute: 1.5 }, per_token: { burst: "many" }, loopback: "no", extra: 1 } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.field).sort()).toEqual([
      "security.rate_limit",
      "security.rate_limit.loopback",
      "security.rate_limit.per_address.burst",
      "security.rate_limit.per_address.per_minute",
      "security.rate_limit.per_token.burst",
    ]);
    const defaults = validateConfigFile({ security: {} });
    expect(defaults.ok && defaults.value.security?.rate_limit).toEqual({
      per_address: { burst: 600, per_minute: 1200 },
      per_token: { burst: 2000, per_minute: 6000 },
      loopback: false,
    });
  });

  it("infers http for a url and requires url for sse", () => {
    expect(parseServer({ id: "r", url: "https://example.com/mcp" }).transport).toBe("http");
    expect(() => parseServer({ id: "r", transport: "sse" })).toThrow(/url: is required for the sse transport/);
  });

  it("names the server and field of every problem", () => {
    const result = validateConfigFile({
      servers: [
        { id: "x", command: [] },
        { id: "x", command: ["a"] },
        { id: "../etc", command: ["a"] },
        { id: "y", command: ["a"], url: "https://example.com", extra: 1 },
        { id: "z", url: "file:///etc/passwd" },
        { id: "w", command: ["a"], auto_restart: "yes" },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.issues.map((issue) => `${issue.field}: ${issue.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'servers[0] (id "x").command: must not be empty',
        'servers[1] (id "x").id: duplicate id, already used by servers[0]',
        "servers[2] (id \"../etc\").id: must not contain '/' or '\\'",
        'servers[3] (id "y").(root): unknown field "extra"',
        'servers[3] (id "y").url: is not used by the stdio transport',
        'servers[4] (id "z").url: must use http or https, not file',
        'servers[5] (id "w").auto_restart: must be a boolean, not string "yes"',
      ]),
    );
  });

  it("rejects a file that is not an object with servers", () => {
    const result = validateConfigFile({ servers: {}, other: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.field)).toEqual(expect.arrayContaining(["servers", "(root)"]));
  });

  it("fills ${VAR} from the environment and names an unset one", () => {
    expect(expandReferences({ TOKEN: "Bearer ${API_TOKEN}" }, "headers", { API_TOKEN: "abc" })).toEqual({ TOKEN: "Bearer abc" });
    expect(() => expandReferences({ TOKEN: "${MISSING_ONE}" }, "env", {})).toThrow("env.TOKEN: environment variable MISSING_ONE is not set");
  });

  it("fills ${VAR} in argv, naming an unset one by its index", () => {
    expect(expandArgv(["srv", "--api-key", "${API_KEY}"], { API_KEY: "k" })).toEqual(["srv", "--api-key", "k"]);
    expect(() => expandArgv(["srv", "${MISSING_ONE}"], {})).toThrow("command[1]: environment variable MISSING_ONE is not set");
  });

  it("masks literal secrets but shows variable references", () => {
    const shown = redactConfig(parseServer({ id: "s", command: ["a"], env: { A: "literal-secret", B: "${FROM_ENV}" }, }));
    expect(shown.env).toEqual({ A: "********", B: "${FROM_ENV}" });
  });

  describe("tls.ca_file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "pygent-ca-"));
      writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("resolves a relative path against the config file's folder", () => {
      const config = parseConfigText(JSON.stringify({ servers: [{ id: "r", url: "https://example.com/mcp", tls: { ca_file: "ca.pem" } }] }), join(dir, "config.json"));
      expect(config.servers[0]?.tls).toEqual({ ca_file: join(dir, "ca.pem") });
    });

    it("names the server and field of a file that cannot be read, and tls on a stdio server", () => {
      const result = validateConfigFile(
        {
          servers: [
            { id: "missing", url: "https://example.com/mcp", tls: { ca_file: "nope.pem" } },
            { id: "folder", url: "https://example.com/mcp", tls: { ca_file: "." } },
            { id: "local", command: ["a"], tls: { ca_file: "ca.pem" } },
            { id: "extra", url: "https://example.com/mcp", tls: { ca_file: "ca.pem", verify: false } },
          ],
        },
        dir,
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const fields = Object.fromEntries(result.issues.map((issue) => [issue.field, issue.message]));
      expect(fields['servers[0] (id "missing").tls.ca_file']).toMatch(/^cannot be read: ENOENT/);
      expect(fields['servers[1] (id "folder").tls.ca_file']).toMatch(/is not a file$/);
      expect(fields['servers[2] (id "local").tls']).toBe("is not used by the stdio transport");
      expect(fields['servers[3] (id "extra").tls']).toBe('unknown field "verify"');
    });
  });
});

describe("alerts.outbox", () => {
  it("fills in the outbox defaults", () => {
    const result = validateConfigFile({ servers: [], alerts: {} });
    expect(result.ok && result.value.alerts?.outbox).toEqual({ max_pending: 1000, max_age: 86_400, retry_initial_delay: 30, retry_max_delay: 900 });
  });

  it("names each bad outbox field and why", () => {
    const result = validateConfigFile({ servers: [], alerts: { outbox: { max_pending: 0, max_age: 10, retry_initial_delay: "soon", keep: true } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => `${issue.field}: ${issue.message}`)).toEqual(
      expect.arrayContaining([
        "alerts.outbox.max_pending: must be at least 1",
        "alerts.outbox.max_age: must be at least 60",
        expect.stringMatching(/^alerts\.outbox\.retry_initial_delay: /),
        'alerts.outbox: unknown field "keep"',
      ]),
    );
  });
});
