// The auth switch over HTTP, on the real app and store: it never opens by accident (issue 7, item 1).
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { LOCAL_ACTOR } from "../../audit/index.js";
import { systemClock } from "../../core/clock.js";
import { appPerTest, echoEntry } from "../test-support/test-app.js";
import { authRequiredBy, createAuthState } from "./auth-state.js";
import { SecurityConfigSchema } from "../../config/schema.js";
import { AUTH_SWITCH_RECHECK_MS } from "../../store/index.js";

const app = appPerTest();

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const servers = "/api/v1/mcp/servers";
const PUBLIC_BIND = { host: "0.0.0.0", port: 8080 };

describe("auth never fails open", () => {
  it("keeps a non-loopback daemon closed when its only admin token is revoked (the issue's reproduction)", async () => {
    const t = await app({ bind: PUBLIC_BIND });
    const { id } = await t.tokens.create("me", "admin");
    await expect(t.tokens.revoke(id)).rejects.toMatchObject({ code: "LAST_ADMIN_TOKEN", status: 409 });
    const response = await t.request({ method: "POST", url: servers, payload: { id: "x", command: ["/bin/true"], start: false } });
    expect(response.statusCode).toBe(401);
    expect(t.manager.list().map((server) => server.id)).not.toContain("x");
  });

  it("asks for a token on a non-loopback bind even with the stored switch off and no token at all", async () => {
    const t = await app({ bind: PUBLIC_BIND });
    await t.store.authState.setEnabled(false, Date.now(), "hand edit");
    const response = await t.request({ method: "POST", url: servers, payload: echoEntry("x", { start: false }) });
    expect(response.statusCode).toBe(401);
  });

  it("stays on after every token is revoked on loopback; only an explicit switch-off opens it", async () => {
    const t = await app();
    const first = await t.tokens.create("first", "admin");
    const second = await t.tokens.create("second", "admin");
    expect(await t.tokens.revoke(first.id)).toBe(true);
    await expect(t.tokens.revoke(second.id)).rejects.toMatchObject({ code: "LAST_ADMIN_TOKEN" });
    expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(401);

    const switchState = createAuthState({ repository: t.store.authState, clock: systemClock });
    await switchState.turnOff(LOCAL_ACTOR);
    expect(await t.tokens.revoke(second.id)).toBe(true);
    expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(200);
  });

  it("turns on with the first token and says what to do instead of revoking the last admin token", async () => {
    const t = await app();
    expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(200);
    const { id } = await t.tokens.create("viewer", "viewer");
    expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(401);
    const admin = await t.tokens.create("admin", "admin");
    expect(await t.tokens.revoke(id)).toBe(true);
    const refused = await t.tokens.revoke(admin.id).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "LAST_ADMIN_TOKEN" });
    expect((refused as Error).message).toContain("pygent token create --role admin");
    expect((refused as Error).message).toContain("pygent auth off");
  });

  it("asks for a token on loopback when the config sets security.require_token_on_loopback", async () => {
    const security = SecurityConfigSchema.parse({ require_token_on_loopback: true });
    const t = await app({ security: () => security });
    expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(401);
    security.require_token_on_loopback = false;
    expect((await t.request({ method: "GET", url: servers })).statusCode).toBe(200);
  });

  it("fails closed when the store cannot say whether auth is on", async () => {
    const t = await app();
    const { token } = await t.tokens.create("a", "admin");
    expect((await t.request({ method: "GET", url: servers, headers: bearer(token) })).statusCode).toBe(200);
    t.store.close();
    // The switch as last read stands for AUTH_SWITCH_RECHECK_MS; after that the store is asked again.
    await sleep(AUTH_SWITCH_RECHECK_MS + 10);
    const response = await t.request({ method: "POST", url: servers, payload: echoEntry("x", { start: false }) });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
  });

  it("refuses to switch off while the recorded daemon listens beyond loopback", async () => {
    const t = await app();
    await t.tokens.create("a", "admin");
    await t.store.authState.recordDaemon({ host: "0.0.0.0", port: 8000, pid: process.pid, requires_auth: true, since: Date.now() });
    const state = createAuthState({ repository: t.store.authState, clock: systemClock });
    await expect(state.turnOff(LOCAL_ACTOR)).rejects.toMatchObject({ code: "AUTH_REQUIRED", status: 409 });
    expect((await state.status()).reasons).toEqual(expect.arrayContaining(["non_loopback_bind", "switch"]));

    // A daemon that died without clearing its record does not hold the switch.
    const afterDeath = createAuthState({ repository: t.store.authState, clock: systemClock, isAlive: () => false });
    expect(await afterDeath.turnOff(LOCAL_ACTOR)).toBe(true);
  });

  it("reports the auth state and the daemon's bind to admins at GET /api/v1/auth", async () => {
    const t = await app({ bind: PUBLIC_BIND });
    const admin = (await t.tokens.create("a", "admin")).token;
    const viewer = (await t.tokens.create("v", "viewer")).token;
    expect((await t.request({ method: "GET", url: "/api/v1/auth", headers: bearer(viewer) })).statusCode).toBe(403);
    const response = await t.request({ method: "GET", url: "/api/v1/auth", headers: bearer(admin) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ enabled: true, switch: { enabled: true } });
    expect(response.json().reasons).toEqual(expect.arrayContaining(["non_loopback_bind", "switch"]));
  });
});

describe("authRequiredBy", () => {
  it("names a bind beyond loopback and the config, nothing on loopback without it or outside the daemon", () => {
    const security = { require_token_on_loopback: true } as Parameters<typeof authRequiredBy>[1];
    expect(authRequiredBy("127.0.0.1", undefined)).toEqual([]);
    expect(authRequiredBy(undefined, undefined)).toEqual([]);
    expect(authRequiredBy("0.0.0.0", undefined)).toEqual(["non_loopback_bind"]);
    expect(authRequiredBy("::1", security)).toEqual(["config"]);
    expect(authRequiredBy("192.168.1.5", security)).toEqual(["non_loopback_bind", "config"]);
  });
});
