import { describe, expect, it } from "vitest";
import { SecurityConfigSchema, type SecurityConfig } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { createRateLimiter } from "./rate-limit.js";
import { appPerTest } from "./test-support/test-app.js";

const REMOTE = "203.0.113.7";
const SERVERS = "/api/v1/mcp/servers";

const securityWith = (rateLimit: unknown): SecurityConfig => SecurityConfigSchema.parse({ rate_limit: rateLimit });

describe("rate limit", () => {
  const makeApp = appPerTest();

  it("never limits loopback clients by default: 2,000 requests at once from each all succeed", async () => {
    const t = await makeApp({ clock: new ManualClock() });
    for (const remoteAddress of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]) {
      const responses = await Promise.all(Array.from({ length: 2000 }, () => t.request({ method: "GET", url: SERVERS, remoteAddress })));
      expect(responses.filter((r) => r.statusCode !== 200), remoteAddress).toEqual([]);
    }
  });

  it("refuses a non-loopback address past its burst with 429 RATE_LIMITED and Retry-After; the health check is not counted", async () => {
    const t = await makeApp({ clock: new ManualClock() });
    const responses = await Promise.all(
      Array.from({ length: 601 }, () => t.request({ method: "GET", url: SERVERS, remoteAddress: REMOTE })),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(600);
    const refused = responses.find((r) => r.statusCode !== 200);
    expect(refused?.statusCode).toBe(429);
    expect(refused?.headers["retry-after"]).toBe("1");
    expect(refused?.json().error).toMatchObject({ code: "RATE_LIMITED", details: { retry_after_ms: 50 } });
    expect((await t.request({ method: "GET", url: "/api/v1/health", remoteAddress: REMOTE })).statusCode).toBe(200);
    expect((await t.request({ method: "GET", url: SERVERS, remoteAddress: "198.51.100.1" })).statusCode).toBe(200);
  });

  it("refills at per_minute, never beyond the burst", async () => {
    const clock = new ManualClock();
    const security = securityWith({ per_address: { burst: 2, per_minute: 60 } });
    const t = await makeApp({ clock, security: () => security });
    const status = async () => (await t.request({ method: "GET", url: SERVERS, remoteAddress: REMOTE })).statusCode;
    expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
    clock.advance(999);
    expect(await status()).toBe(429);
    clock.advance(1);
    expect([await status(), await status()]).toEqual([200, 429]);
    clock.advance(60_000);
    expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
  });

  it("counts a token's requests against the token, not the address", async () => {
    const security = securityWith({ per_address: { burst: 2, per_minute: 1 }, per_token: { burst: 3, per_minute: 1 } });
    const t = await makeApp({ clock: new ManualClock(), security: () => security });
    const a = await t.tokens.create("a", "viewer");
    const b = await t.tokens.create("b", "viewer");
    const status = async (url: string, token?: string) =>
      (await t.request({ method: "GET", url, remoteAddress: REMOTE, headers: token ? { authorization: `Bearer ${token}` } : {} })).statusCode;
    // The docs need no token, so they spend the address's budget.
    expect([await status("/docs/json"), await status("/docs/json"), await status("/docs/json")]).toEqual([200, 200, 429]);
    const withA = [];
    for (let i = 0; i < 4; i++) withA.push(await status(SERVERS, a.token));
    expect(withA).toEqual([200, 200, 200, 429]);
    expect(await status(SERVERS, b.token)).toBe(200);
  });

  it("limits loopback too with loopback: true, read per request so a reload applies", async () => {
    let security = securityWith({ per_address: { burst: 2, per_minute: 1 } });
    const t = await makeApp({ clock: new ManualClock(), security: () => security });
    const status = async (remoteAddress: string) => (await t.request({ method: "GET", url: SERVERS, remoteAddress })).statusCode;
    for (let i = 0; i < 3; i++) expect(await status("127.0.0.1")).toBe(200);
    security = securityWith({ loopback: true, per_address: { burst: 2, per_minute: 1 } });
    expect([await status("127.0.0.1"), await status("127.0.0.1"), await status("127.0.0.1")]).toEqual([200, 200, 429]);
    expect([await status("::1"), await status("::1"), await status("::1")]).toEqual([200, 200, 429]);
  });

  it("keeps at most its cap of buckets, forgetting the least recently used", () => {
    const limiter = createRateLimiter(new ManualClock(), 3);
    const one = { burst: 1, per_minute: 1 };
    for (const key of ["a", "b", "c"]) expect(limiter.take(key, one)).toBeUndefined();
    // Using a makes b the least recently used.
    expect(limiter.take("a", one)).toBe(60_000);
    expect(limiter.take("d", one)).toBeUndefined();
    expect(limiter.size()).toBe(3);
    expect(limiter.take("b", one)).toBeUndefined();
    expect(limiter.take("a", one)).toBe(60_000);
  });
});
