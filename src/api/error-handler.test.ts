import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { toErrorResponse } from "./error-handler.js";
import { assertNoStack, createTestApp, echoEntry, type TestApp } from "./test-support/test-app.js";

describe("toErrorResponse", () => {
  it("gives an AppError its catalogue status, code, message and details", () => {
    const response = toErrorResponse(new AppError("SERVER_NOT_FOUND", "No server x.", { id: "x" }));
    expect(response).toEqual({
      status: 404,
      body: { error: { code: "SERVER_NOT_FOUND", message: "No server x.", details: { id: "x" } } },
      log: "none",
    });
  });

  it("hides anything unknown behind a generic 500", () => {
    const response = toErrorResponse(new TypeError("cannot read properties of undefined (reading 'pid')"));
    expect(response.status).toBe(500);
    expect(response.body.error).toEqual({ code: "INTERNAL", message: "An internal error occurred.", details: null });
    expect(response.log).toBe("error");
    expect(toErrorResponse("a thrown string").status).toBe(500);
    expect(toErrorResponse(Object.assign(new Error("boom"), { statusCode: 503 })).body.error.code).toBe("INTERNAL");
  });

  it("answers a file write refused for want of space with 507 STORAGE_FULL naming the file", () => {
    // The shape Node gives a failed fs write on a full volume.
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write", path: "/data/mcp_cache/x.json" });
    const response = toErrorResponse(enospc);
    expect(response.status).toBe(507);
    expect(response.body.error.code).toBe("STORAGE_FULL");
    expect(response.body.error.message).toMatch(/^storage is full: a write to \/data\/mcp_cache\/x.json was refused \(ENOSPC: no space left on device/);
  });

  it("maps a client error without a known code by its status", () => {
    const tooMany = Object.assign(new Error("slow down"), { statusCode: 429, code: "X" });
    expect(toErrorResponse(tooMany)).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    const odd = Object.assign(new Error("odd"), { statusCode: 418, code: "X" });
    expect(toErrorResponse(odd)).toMatchObject({ status: 400, body: { error: { code: "VALIDATION_FAILED" } } });
  });
});

describe("error responses over HTTP", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const url = "/api/v1/mcp/servers";

  it("answers 413 BODY_TOO_LARGE above 1 MiB", async () => {
    const payload = JSON.stringify({ ...echoEntry("big"), description: "x".repeat(1024 * 1024) });
    const response = await t.request({ method: "POST", url, payload, headers: { "content-type": "application/json" } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe("BODY_TOO_LARGE");
    assertNoStack(response.body);
  });

  it("answers 415 for a body that is not JSON", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const response = await t.request({ method: "POST", url, payload: "id=x", headers: { "content-type": type } });
      expect(response.statusCode, type).toBe(415);
      expect(response.json().error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
  });

  it("answers 400 VALIDATION_FAILED for broken JSON", async () => {
    const response = await t.request({
      method: "POST",
      url,
      payload: '{"id": "x", ',
      headers: { "content-type": "application/json" },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.issues[0].field).toBe("(root)");
    assertNoStack(response.body);
  });

  it("refuses a JSON body poisoning the prototype", async () => {
    const response = await t.request({
      method: "POST",
      url,
      payload: '{"id":"p","command":["x"],"__proto__":{"admin":true}}',
      headers: { "content-type": "application/json" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 404 NOT_FOUND in the error shape for an unknown route", async () => {
    for (const path of ["/nope", "/api/v1/nope", "/api/v2/mcp/servers"]) {
      const response = await t.request({ method: "GET", url: path });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: "NOT_FOUND", details: null } });
    }
  });

  it("answers 400 in the error shape for a URL the router cannot decode or a huge parameter", async () => {
    for (const path of ["/api/v1/mcp/servers/%E0%A4%A", `/api/v1/mcp/servers/${"x".repeat(600)}`]) {
      const response = await t.request({ method: "GET", url: path });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: "VALIDATION_FAILED", details: { issues: [{ field: "(root)" }] } } });
    }
  });

  it("hides an unexpected failure behind a generic 500 without its text or stack", async () => {
    await t.request({ method: "POST", url, payload: echoEntry("boom", { start: false }) });
    t.store.close(); // the next store call throws a plain TypeError from the driver
    const response = await t.request({ method: "GET", url: `${url}/boom/events` });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: "INTERNAL", message: "An internal error occurred.", details: null } });
    expect(response.body).not.toContain("database");
    assertNoStack(response.body);
  });

  it("always answers errors as JSON", async () => {
    const response = await t.request({ method: "GET", url: "/api/v1/mcp/servers/missing" });
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
  });
});
