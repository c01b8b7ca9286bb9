// The audit log through the real app and store: every mutation on record, reads on request,
// secrets never stored, GET /api/v1/audit for admins, and `pygent audit` over HTTP.
import { describe, expect, it, vi } from "vitest";
import type { AuditEntry } from "../src/audit/index.js";
import { appPerTest, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { SecurityConfigSchema } from "../src/config/schema.js";

const app = appPerTest();

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const servers = "/api/v1/mcp/servers";

/** The audit rows, newest first, once `count` exist (onResponse runs after the answer is sent). */
async function entries(t: TestApp, count: number): Promise<AuditEntry[]> {
  return vi.waitFor(
    async () => {
      const rows = await t.store.audit.query({ limit: 1000 });
      expect(rows.length).toBeGreaterThanOrEqual(count);
      return rows.map((row) => ({ ...row, details: row.details === null ? null : (JSON.parse(row.details) as unknown) }));
    },
    { timeout: 5000 },
  );
}

describe("audit log over the API", () => {
  it("records a mutation with who, from where, what, the target and the outcome, never the env values", async () => {
    const t = await app();
    const created = await t.request({ method: "POST", url: servers, payload: echoEntry("fs", { start: false, env: { API_KEY: "sk-very-secret", REGION: "eu" } }) });
    expect(created.statusCode).toBe(201);
    const [entry] = await entries(t, 1);
    expect(entry).toMatchObject({
      actor_id: null,
      actor_name: "local",
      ip: "127.0.0.1",
      action: "POST /api/v1/mcp/servers",
      target: "fs",
      ok: true,
      status: 201,
      error_code: null,
    });
    // The validated body: the route's schema wraps the server entry.
    expect(JSON.stringify(entry?.details)).toContain('"env":{"API_KEY":"[redacted]","REGION":"[redacted]"}');
    expect(JSON.stringify(await t.store.audit.query({ limit: 10 }))).not.toMatch(/sk-very-secret|"eu"/);
  });

  it("names the token, redacts secret tool arguments, and records refusals with their error code", async () => {
    const t = await app();
    const admin = await t.tokens.create("admin-laptop", "admin");
    const operator = await t.tokens.create("ci", "operator");
    await t.request({ method: "POST", url: servers, headers: bearer(admin.token), payload: echoEntry("echo") });
    const call = await t.request({
      method: "POST",
      url: `${servers}/echo/tools/echo/call`,
      headers: bearer(operator.token),
      payload: { arguments: { text: "hi", api_key: "sk-tool-secret" } },
    });
    expect(call.statusCode).toBe(200);
    const stranger = await t.request({ method: "DELETE", url: `${servers}/echo` });
    expect(stranger.statusCode).toBe(401);

    // Two token.create entries, then the register, the call and the refused delete.
    const rows = await entries(t, 5);
    const toolCall = rows.find((row) => row.action === "POST /api/v1/mcp/servers/:id/tools/:name/call");
    expect(toolCall).toMatchObject({ actor_id: operator.id, actor_name: "ci", target: "echo/echo", status: 200, ok: true });
    expect(toolCall?.details).toEqual({ body: { arguments: { text: "hi", api_key: "[redacted]" } } });
    expect(rows.find((row) => row.action === "DELETE /api/v1/mcp/servers/:id")).toMatchObject({
      actor_name: "anonymous",
      target: "echo",
      ok: false,
      status: 401,
      error_code: "UNAUTHORIZED",
    });
    expect(rows.find((row) => row.action === "token.create" && row.target === operator.id)).toMatchObject({ actor_name: "local", ok: true });
    expect(JSON.stringify(await t.store.audit.query({ limit: 100 }))).not.toContain("sk-tool-secret");
    await t.manager.stop();
  });

  it("leaves reads out unless security.audit_reads is on", async () => {
    const security = SecurityConfigSchema.parse({});
    const t = await app({ security: () => security });
    await t.request({ method: "GET", url: servers });
    await t.request({ method: "POST", url: servers, payload: echoEntry("a", { start: false }) });
    await entries(t, 1);
    security.audit_reads = true;
    await t.request({ method: "GET", url: `${servers}/a` });
    const rows = await entries(t, 2);
    expect(rows.map((row) => row.action)).toEqual(["GET /api/v1/mcp/servers/:id", "POST /api/v1/mcp/servers"]);
  });

  it("serves GET /api/v1/audit to admins only, filtered, and names a bad filter in a 400", async () => {
    const t = await app();
    const admin = (await t.tokens.create("root", "admin")).token;
    const viewer = (await t.tokens.create("look", "viewer")).token;
    await t.request({ method: "POST", url: servers, headers: bearer(admin), payload: echoEntry("b", { start: false }) });
    await entries(t, 3);

    expect((await t.request({ method: "GET", url: "/api/v1/audit", headers: bearer(viewer) })).statusCode).toBe(403);
    const filtered = await t.request({ method: "GET", url: "/api/v1/audit?actor=root&action=POST%20&target=b", headers: bearer(admin) });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json().entries).toEqual([expect.objectContaining({ actor_name: "root", action: "POST /api/v1/mcp/servers", target: "b" })]);

    for (const [query, field] of [
      ["limit=0", "limit"],
      ["from=yesterday", "from"],
      ["from=2026-02-01&to=2026-01-01", "from"],
      ["colour=red", "(root)"],
    ] as const) {
      const bad = await t.request({ method: "GET", url: `/api/v1/audit?${query}`, headers: bearer(admin) });
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json().error.code).toBe("VALIDATION_FAILED");
      expect(JSON.stringify(bad.json().error.details.issues), query).toContain(field === "(root)" ? "colour" : `"field":"${field}"`);
    }
  });

  it("is what `pygent audit` prints, as a table and as JSON", async () => {
    const t = await app({ bind: { host: "127.0.0.1", port: 0 } });
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    const address = t.app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const admin = await t.tokens.create("root", "admin");
    await entries(t, 1);

    const table = await runCliCaptured(["audit", "--url", url, "--token", admin.token, "--action", "token."]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/TIME\s+ACTOR\s+FROM\s+ACTION\s+TARGET\s+OUTCOME/);
    expect(table.stdout).toContain("token.create");
    const json = await runCliCaptured(["audit", "--url", url, "--token", admin.token, "--json", "--limit", "1"]);
    expect(JSON.parse(json.stdout).entries).toHaveLength(1);
    const bad = await runCliCaptured(["audit", "--url", url, "--token", admin.token, "--limit", "x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("limit");
  });
});
