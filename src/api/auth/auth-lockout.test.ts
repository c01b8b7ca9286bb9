// Brute-force protection and token expiry over HTTP, on the real app, manager and store, with a
// ManualClock for the window, the lockout and the expiry.
import { afterEach, describe, expect, it } from "vitest";
import { SecurityConfigSchema, type SecurityConfig } from "../../config/schema.js";
import { ManualClock } from "../../core/clock.js";
import { createTestApp, type TestApp } from "../test-support/test-app.js";

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(security: Partial<SecurityConfig> = {}): Promise<{ t: TestApp; clock: ManualClock }> {
  const clock = new ManualClock();
  const parsed = SecurityConfigSchema.parse(security);
  t = await createTestApp({ clock, security: () => parsed });
  return { t, clock };
}

const servers = "/api/v1/mcp/servers";
const withToken = (token: string, remoteAddress = "127.0.0.1") => ({ headers: { authorization: `Bearer ${token}` }, remoteAddress });

describe("auth failure lockout", () => {
  it("answers the 11th request from an address that sent 10 bad tokens with 429 and Retry-After, until the lockout passes", async () => {
    const { t, clock } = await start();
    const { token } = await t.tokens.create("admin", "admin");
    for (let i = 0; i < 10; i++) {
      const wrong = await t.request({ method: "GET", url: servers, ...withToken(`pgf_guess${i}`) });
      expect(wrong.statusCode, `guess ${i}`).toBe(401);
    }
    const locked = await t.request({ method: "GET", url: servers, ...withToken(token) });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBe("300");
    expect(locked.json().error).toMatchObject({ code: "TOO_MANY_AUTH_FAILURES", details: { retry_after_s: 300 } });

    // Another address is not affected; the health check still answers the locked one.
    expect((await t.request({ method: "GET", url: servers, ...withToken(token, "10.1.2.3") })).statusCode).toBe(200);
    expect((await t.request({ method: "GET", url: "/api/v1/health", ...withToken(token) })).statusCode).toBe(200);

    clock.advance(299_000);
    const later = await t.request({ method: "GET", url: servers, ...withToken(token) });
    expect(later.statusCode).toBe(429);
    expect(later.headers["retry-after"]).toBe("1");
    clock.advance(1000);
    expect((await t.request({ method: "GET", url: servers, ...withToken(token) })).statusCode).toBe(200);

    const lockouts = (await t.store.audit.query({ limit: 100 })).filter((row) => row.action === "auth.lockout");
    expect(lockouts).toMatchObject([{ ip: "127.0.0.1", ok: false, error_code: "TOO_MANY_AUTH_FAILURES", actor_name: "anonymous" }]);
  });

  it("takes its limit, window and lockout from the security section", async () => {
    const { t, clock } = await start({ auth_failure_limit: 3, auth_failure_window: 10, auth_lockout: 30 });
    const { token } = await t.tokens.create("admin", "admin");
    const guess = () => t.request({ method: "GET", url: servers, ...withToken("pgf_guess") });
    await guess();
    await guess();
    clock.advance(10_000);
    // The window passed: two more failures do not reach the limit of three.
    await guess();
    await guess();
    expect((await t.request({ method: "GET", url: servers, ...withToken(token) })).statusCode).toBe(200);
    expect((await guess()).statusCode).toBe(401);
    const locked = await t.request({ method: "GET", url: servers, ...withToken(token) });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBe("30");
  });

  it("does not count requests without a token or with a valid one of too small a role", async () => {
    const { t } = await start({ auth_failure_limit: 2 });
    await t.tokens.create("admin", "admin");
    const viewer = await t.tokens.create("viewer", "viewer");
    for (let i = 0; i < 5; i++) {
      expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(401);
      expect((await t.request({ method: "DELETE", url: `${servers}/x`, ...withToken(viewer.token) })).statusCode).toBe(403);
    }
    expect((await t.request({ method: "GET", url: servers, ...withToken(viewer.token) })).statusCode).toBe(200);
  });
});

describe("token expiry", () => {
  it("refuses an expired token with 401 TOKEN_EXPIRED saying when, without counting it as a guess", async () => {
    const { t, clock } = await start({ auth_failure_limit: 2 });
    const expiresAt = clock.now() + 3_600_000;
    const { token } = await t.tokens.create("ci", "viewer", undefined, expiresAt);
    expect((await t.request({ method: "GET", url: servers, ...withToken(token) })).statusCode).toBe(200);
    clock.advance(3_600_000);
    for (let i = 0; i < 3; i++) {
      const expired = await t.request({ method: "GET", url: servers, ...withToken(token) });
      expect(expired.statusCode).toBe(401);
      expect(expired.headers["www-authenticate"]).toContain("invalid_token");
      expect(expired.json().error).toMatchObject({ code: "TOKEN_EXPIRED", details: { expired_at: expiresAt } });
      expect(expired.json().error.message).toContain(new Date(expiresAt).toISOString());
    }
  });
});
