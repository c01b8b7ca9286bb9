// Bearer auth and roles over HTTP, on the real app, manager and store.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestApp, echoEntry, type TestApp } from "../test-support/test-app.js";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("auth", () => {
  it("leaves the API open while no token exists", async () => {
    expect((await t.request({ method: "GET", url: "/api/v1/mcp/servers" })).statusCode).toBe(200);
    const created = await t.request({ method: "POST", url: "/api/v1/mcp/servers", payload: echoEntry("open", { start: false }) });
    expect(created.statusCode).toBe(201);
  });

  it("requires a token once one exists: 401 with WWW-Authenticate for none or a bad one", async () => {
    await t.tokens.create("admin", "admin");
    const none = await t.request({ method: "GET", url: "/api/v1/mcp/servers" });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(none.json().error.code).toBe("UNAUTHORIZED");
    for (const authorization of ["Bearer pgf_wrong", "Basic YTpi", "Bearer", "pgf_x"]) {
      const bad = await t.request({ method: "GET", url: "/api/v1/health", headers: { authorization } });
      expect(bad.statusCode, authorization).toBe(401);
      expect(bad.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
    const unknownRoute = await t.request({ method: "GET", url: "/api/v1/nope" });
    expect(unknownRoute.statusCode).toBe(401);
  });

  it("lets each role do what it may and answers 403 FORBIDDEN naming the role it needs", async () => {
    const viewer = (await t.tokens.create("v", "viewer")).token;
    const operator = (await t.tokens.create("o", "operator")).token;
    const admin = (await t.tokens.create("a", "admin")).token;
    const servers = "/api/v1/mcp/servers";

    const adminCreate = await t.request({ method: "POST", url: servers, headers: bearer(admin), payload: echoEntry("r", { start: false }) });
    expect(adminCreate.statusCode).toBe(201);

    expect((await t.request({ method: "GET", url: servers, headers: bearer(viewer) })).statusCode).toBe(200);
    expect((await t.request({ method: "GET", url: "/api/v1/health", headers: bearer(viewer) })).statusCode).toBe(200);

    const viewerStart = await t.request({ method: "POST", url: `${servers}/r/start`, headers: bearer(viewer) });
    expect(viewerStart.statusCode).toBe(403);
    expect(viewerStart.json().error).toMatchObject({ code: "FORBIDDEN", details: { required_role: "operator", role: "viewer" } });
    expect(viewerStart.json().error.message).toContain("operator");

    const operatorStart = await t.request({ method: "POST", url: `${servers}/r/start`, headers: bearer(operator) });
    expect(operatorStart.statusCode).toBe(200);
    const operatorCall = await t.request({
      method: "POST",
      url: `${servers}/r/tools/echo/call`,
      headers: bearer(operator),
      payload: { arguments: { text: "hi" } },
    });
    expect(operatorCall.statusCode).toBe(200);

    for (const [method, url] of [
      ["POST", servers],
      ["PATCH", `${servers}/r`],
      ["DELETE", `${servers}/r`],
    ] as const) {
      const refused = await t.request({ method, url, headers: bearer(operator), payload: { description: "x" } });
      expect(refused.statusCode, `${method} ${url}`).toBe(403);
      expect(refused.json().error.details.required_role).toBe("admin");
    }
    expect((await t.request({ method: "DELETE", url: `${servers}/r`, headers: bearer(admin) })).statusCode).toBe(204);
  });

  it("checks auth before validating input, so strangers learn nothing from errors", async () => {
    await t.tokens.create("a", "admin");
    const response = await t.request({ method: "POST", url: "/api/v1/mcp/servers", payload: { bogus: true } });
    expect(response.statusCode).toBe(401);
  });

  it("fails closed when the store cannot say whether auth is on, but still answers the health check", async () => {
    // Auth was off (no token): the last answer must not keep /api open once the store fails.
    expect((await t.request({ method: "GET", url: "/api/v1/mcp/servers" })).statusCode).toBe(200);
    const read = vi.spyOn(t.store.authState, "get").mockRejectedValue(new Error("database disk image is malformed"));
    try {
      const servers = await t.request({ method: "GET", url: "/api/v1/mcp/servers" });
      expect(servers.statusCode).toBe(500);
      expect(servers.json().error.code).toBe("INTERNAL");
      const create = await t.request({ method: "POST", url: "/api/v1/mcp/servers", payload: echoEntry("x", { start: false }) });
      expect(create.statusCode).toBe(500);
      expect((await t.request({ method: "GET", url: "/api/v1/health" })).statusCode).toBe(200);
    } finally {
      read.mockRestore();
    }
    expect((await t.request({ method: "GET", url: "/api/v1/mcp/servers" })).statusCode).toBe(200);
  });

  it("refuses a revoked token", async () => {
    await t.tokens.create("keep", "admin");
    const { id, token } = await t.tokens.create("gone", "admin");
    await t.tokens.revoke(id);
    expect((await t.request({ method: "GET", url: "/api/v1/health", headers: bearer(token) })).statusCode).toBe(401);
  });

  it("cannot be dodged with a percent-encoded /api prefix", async () => {
    await t.tokens.create("a", "admin");
    const response = await t.request({ method: "GET", url: "/%61pi/v1/mcp/servers" });
    expect([401, 404]).toContain(response.statusCode);
    expect(response.statusCode).not.toBe(200);
  });

  it("keeps the docs public while the API is locked", async () => {
    await t.tokens.create("a", "admin");
    expect((await t.request({ method: "GET", url: "/docs/json" })).statusCode).toBe(200);
    expect((await t.request({ method: "GET", url: "/docs" })).statusCode).toBe(200);
  });
});
