// /api/v1/tokens on the real app and store: listing, issuing with an expiry, revoking.
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { createTestApp, type TestApp } from "../test-support/test-app.js";

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const clock = () => new ManualClock(Date.UTC(2026, 5, 1));

describe("token routes", () => {
  it("issues a token with expires_in or expires_at, lists it with its expiry and marks it expired once past", async () => {
    const c = clock();
    t = await createTestApp({ clock: c });
    const admin = (await t.tokens.create("admin", "admin")).token;
    const headers = { authorization: `Bearer ${admin}` };

    const byDuration = await t.request({ method: "POST", url: "/api/v1/tokens", headers, payload: { name: "ci", role: "viewer", expires_in: 3600 } });
    expect(byDuration.statusCode).toBe(201);
    expect(byDuration.json()).toMatchObject({ name: "ci", role: "viewer", expires_at: c.now() + 3_600_000 });
    expect(byDuration.json().token).toMatch(/^pgf_/);
    const at = "2026-07-01T00:00:00Z";
    const byInstant = await t.request({ method: "POST", url: "/api/v1/tokens", headers, payload: { name: "dash", role: "viewer", expires_at: at } });
    expect(byInstant.json().expires_at).toBe(Date.parse(at));

    c.advance(3_600_000);
    const listed = await t.request({ method: "GET", url: "/api/v1/tokens", headers });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(byDuration.json().token);
    expect(listed.body).not.toContain("token_hash");
    expect(listed.json().tokens).toMatchObject([
      { name: "admin", expires_at: null, expired: false },
      { name: "ci", expired: true },
      { name: "dash", expires_at: Date.parse(at), expired: false },
    ]);
    const expired = await t.request({ method: "GET", url: "/api/v1/mcp/servers", headers: { authorization: `Bearer ${byDuration.json().token}` } });
    expect(expired.json().error.code).toBe("TOKEN_EXPIRED");
  });

  it("tells a caller who it is: auth off, then the token's name and role; no token is refused once auth is on", async () => {
    t = await createTestApp({ clock: clock() });
    expect((await t.request({ method: "GET", url: "/api/v1/tokens/me" })).json()).toEqual({ auth: "off", name: null, role: null, may: ["viewer", "operator", "admin"] });
    await t.tokens.create("admin", "admin");
    const viewer = (await t.tokens.create("wallboard", "viewer")).token;
    const me = await t.request({ method: "GET", url: "/api/v1/tokens/me", headers: { authorization: `Bearer ${viewer}` } });
    expect(me.json()).toEqual({ auth: "on", name: "wallboard", role: "viewer", may: ["viewer"] });
    expect((await t.request({ method: "GET", url: "/api/v1/tokens/me" })).statusCode).toBe(401);
  });

  it("refuses a bad expiry naming the field", async () => {
    t = await createTestApp({ clock: clock() });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ expires_in: 0 }, "expires_in"],
      [{ expires_in: "30d" }, "expires_in"],
      [{ expires_at: "tomorrow" }, "expires_at"],
      [{ expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
      [{ expires_in: 60, expires_at: "2030-01-01T00:00:00Z" }, "expires_at"],
    ];
    for (const [extra, field] of cases) {
      const refused = await t.request({ method: "POST", url: "/api/v1/tokens", payload: { name: "x", role: "viewer", ...extra } });
      expect(refused.statusCode, JSON.stringify(extra)).toBe(400);
      expect(refused.json().error.details.issues.map((issue: { field: string }) => issue.field), JSON.stringify(extra)).toContain(field);
    }
    expect(await t.tokens.list()).toEqual([]);
  });

  it("revokes a token, answers 404 for an unknown one and 409 for the last unexpired admin token", async () => {
    const c = clock();
    t = await createTestApp({ clock: c });
    const lapsing = await t.tokens.create("lapsing", "admin", undefined, c.now() + 1000);
    const admin = await t.tokens.create("admin", "admin");
    const headers = { authorization: `Bearer ${admin.token}` };
    c.advance(1000);
    const last = await t.request({ method: "DELETE", url: `/api/v1/tokens/${admin.id}`, headers });
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe("LAST_ADMIN_TOKEN");
    expect((await t.request({ method: "DELETE", url: `/api/v1/tokens/${lapsing.id}`, headers })).statusCode).toBe(204);
    const unknown = await t.request({ method: "DELETE", url: `/api/v1/tokens/${lapsing.id}`, headers });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("TOKEN_NOT_FOUND");
  });
});
