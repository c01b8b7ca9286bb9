/**
 * Auth and audit on a real `pygent serve` bound beyond loopback, driven by the CLI from another
 * process as a user would: the reproduction, `pygent auth off` refused while the daemon
 * listens on 0.0.0.0 and allowed once it stops, and config reloads on record; on loopback, the
 * switch turned by the CLI holds at the daemon by the time the command returns.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../src/core/clock.js";
import { openStore } from "../src/store/index.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let data: string;
let config: string;
let daemon: DaemonProcess | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-auth-");
  data = join(dir, "data");
  config = join(dir, "mcp_server_configs.json");
  writeFileSync(config, JSON.stringify({ servers: [] }));
});

afterEach(async () => {
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL");
  daemon = undefined;
  removeTempDir(dir);
});

describe("auth on a daemon bound to 0.0.0.0", () => {
  it("never opens: the last admin token cannot be revoked, auth off is refused while bound, config reloads are audited", async () => {
    const created = await runCliCaptured(["token", "create", "--role", "admin", "--name", "me", "--data-dir", data, "--quiet"]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    daemon = await startDaemon(data, config, ["--host", "0.0.0.0"]);
    const id = (JSON.parse((await runCliCaptured(["token", "list", "--json", "--data-dir", data])).stdout) as { tokens: { id: string }[] }).tokens[0]!.id;

    const revoke = await runCliCaptured(["token", "revoke", id, "--data-dir", data]);
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toContain("pygent auth off");
    const off = await runCliCaptured(["auth", "off", "--data-dir", data]);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain("0.0.0.0");

    const open = await daemon.api("/api/v1/mcp/servers", { method: "POST", body: JSON.stringify({ id: "x", command: ["/bin/true"] }) });
    expect(open.status).toBe(401);

    writeFileSync(config, JSON.stringify({ servers: [], security: { audit_reads: false } }));
    const auth = { authorization: `Bearer ${token}` };
    const reloads = await waitFor(
      async () => {
        const answer = await daemon!.api<{ entries: { action: string; actor_name: string; ok: boolean }[] }>("/api/v1/audit?action=config.reload", { headers: auth });
        return answer.body.entries.length > 0 ? answer.body.entries : undefined;
      },
      { timeoutMs: 20_000, message: "the config reload on record" },
    );
    expect(reloads[0]).toMatchObject({ action: "config.reload", ok: true });
    const audit = await daemon.api<{ entries: { action: string; ok: boolean; error_code: string | null }[] }>("/api/v1/audit", { headers: auth });
    expect(audit.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "token.create", ok: true }),
        expect.objectContaining({ action: "token.revoke", ok: false, error_code: "LAST_ADMIN_TOKEN" }),
        expect.objectContaining({ action: "auth.off", ok: false, error_code: "AUTH_REQUIRED" }),
        expect.objectContaining({ action: "POST /api/v1/mcp/servers", ok: false, error_code: "UNAUTHORIZED" }),
      ]),
    );

    expect(await daemon.stop()).toBe(0);
    const status = await runCliCaptured(["auth", "status", "--data-dir", data]);
    expect(status.stdout).toContain("auth: on");
    expect(status.stdout).toContain("daemon: not running");
    const offNow = await runCliCaptured(["auth", "off", "--data-dir", data]);
    expect(offNow.code, offNow.stderr).toBe(0);
    expect((await runCliCaptured(["auth", "status", "--data-dir", data])).stdout).toContain("auth: off");
    expect((await runCliCaptured(["token", "revoke", id, "--data-dir", data])).code).toBe(0);
  });
});

describe("auth on a loopback daemon whose config asks for tokens", () => {
  it("turns on at a config reload, and pygent auth off is refused while the config says so", async () => {
    daemon = await startDaemon(data, config);
    expect((await daemon.api("/api/v1/mcp/servers")).status).toBe(200);
    writeFileSync(config, JSON.stringify({ servers: [], security: { require_token_on_loopback: true } }));
    await waitFor(async () => ((await daemon!.api("/api/v1/mcp/servers")).status === 401 ? true : undefined), {
      timeoutMs: 20_000,
      message: "the reloaded config to require tokens",
    });
    const off = await runCliCaptured(["auth", "off", "--data-dir", data]);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain("require_token_on_loopback");
    expect((await daemon.api("/api/v1/mcp/servers")).status).toBe(401);
  });
});

describe("the switch turned by the CLI while a loopback daemon runs", () => {
  it("holds at the daemon as soon as the command returns, on and off", async () => {
    daemon = await startDaemon(data, config);
    expect((await daemon.api("/api/v1/mcp/servers")).status).toBe(200);
    const created = await runCliCaptured(["token", "create", "--role", "admin", "--data-dir", data, "--quiet"]);
    expect(created.code, created.stderr).toBe(0);
    expect((await daemon.api("/api/v1/mcp/servers")).status).toBe(401);
    expect((await runCliCaptured(["auth", "off", "--data-dir", data])).code).toBe(0);
    expect((await daemon.api("/api/v1/mcp/servers")).status).toBe(200);
    expect((await runCliCaptured(["auth", "on", "--data-dir", data])).code).toBe(0);
    expect((await daemon.api("/api/v1/mcp/servers")).status).toBe(401);
  });
});

describe("pygent auth without a daemon", () => {
  it("switches off and on, says when no admin token exists, and puts each change on record as local", async () => {
    expect(JSON.parse((await runCliCaptured(["auth", "status", "--json", "--data-dir", data])).stdout)).toMatchObject({ enabled: false, reasons: [], daemon: null });
    const on = await runCliCaptured(["auth", "on", "--data-dir", data]);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain("No unexpired admin token exists");
    expect(JSON.parse((await runCliCaptured(["auth", "status", "--json", "--data-dir", data])).stdout)).toMatchObject({
      enabled: true,
      reasons: ["switch"],
      switch: { enabled: true, changed_by: "local" },
    });
    expect((await runCliCaptured(["auth", "off", "--data-dir", data])).code).toBe(0);

    const store = openStore(data, systemClock);
    try {
      const rows = await store.audit.query({ limit: 10 });
      expect(rows.map((row) => [row.action, row.actor_name, row.ok])).toEqual([
        ["auth.off", "local", true],
        ["auth.on", "local", true],
      ]);
    } finally {
      store.close();
    }
  });
});

describe("pygent token with an expiry", () => {
  it("creates a token that expires, lists it as expired once it has, and refuses a bad duration naming the option", async () => {
    const bad = await runCliCaptured(["token", "create", "--role", "admin", "--expires-in", "30x", "--data-dir", data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--expires-in");
    expect(bad.stderr).toContain("s, m, h or d");

    const before = Date.now();
    const lasting = await runCliCaptured(["token", "create", "--role", "viewer", "--name", "dash", "--expires-in", "30d", "--data-dir", data]);
    expect(lasting.code, lasting.stderr).toBe(0);
    expect(lasting.stdout).toMatch(/expires \d{4}-\d{2}-\d{2}T/);
    const brief = await runCliCaptured(["token", "create", "--role", "admin", "--name", "brief", "--expires-in", "1s", "--data-dir", data]);
    expect(brief.code, brief.stderr).toBe(0);

    type Listed = { name: string; expires_at: number | null; expired: boolean };
    const listed = async (): Promise<Listed[]> =>
      (JSON.parse((await runCliCaptured(["token", "list", "--json", "--data-dir", data])).stdout) as { tokens: Listed[] }).tokens;
    const dash = (await listed()).find((token) => token.name === "dash");
    expect(dash?.expires_at).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(dash?.expired).toBe(false);
    await waitFor(async () => (await listed()).find((token) => token.name === "brief")?.expired, { timeoutMs: 20_000, message: "the 1 s token to expire" });
    const table = (await runCliCaptured(["token", "list", "--data-dir", data])).stdout;
    expect(table).toMatch(/brief.*\(expired\)/);
    expect(table).not.toMatch(/dash.*\(expired\)/);
    // Every admin token has expired: the way back is a new one, created on the data directory.
    expect((await runCliCaptured(["auth", "on", "--data-dir", data])).stdout).toContain("No unexpired admin token exists");
    const recovered = await runCliCaptured(["token", "create", "--role", "admin", "--data-dir", data]);
    expect(recovered.code, recovered.stderr).toBe(0);
  });
});
