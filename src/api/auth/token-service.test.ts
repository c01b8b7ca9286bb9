import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { openStore, type Store } from "../../store/index.js";
import { createTokenService, hashToken, roleAllows, type TokenService } from "./token-service.js";
import { createAuthState } from "./auth-state.js";

let dir: string;
let store: Store;
let clock: ManualClock;
let tokens: TokenService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pygent-tokens-"));
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  store = openStore(dir, clock);
  tokens = createTokenService(store, clock, { authState: createAuthState({ repository: store.authState, clock: clock }) });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("token service", () => {
  it("is off until the first token exists", async () => {
    expect(await tokens.authEnabled()).toBe(false);
    await tokens.create("ci", "viewer");
    expect(await tokens.authEnabled()).toBe(true);
  });

  it("issues a pgf_ token and stores only its hash", async () => {
    const { id, token } = await tokens.create("laptop", "admin");
    expect(token).toMatch(/^pgf_[A-Za-z0-9_-]{40,}$/);
    const [stored] = await store.tokens.list();
    expect(stored).toMatchObject({ id, name: "laptop", role: "admin", token_hash: hashToken(token) });
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await store.tokens.list())).not.toContain(token);
  });

  it("verifies a token, and rejects unknown, malformed and revoked ones", async () => {
    const { id, token } = await tokens.create("bot", "operator");
    expect(await tokens.verify(token)).toMatchObject({ ok: true, token: { id, role: "operator" } });
    expect(await tokens.verify(`${token}x`)).toEqual({ ok: false, reason: "invalid" });
    expect(await tokens.verify("not-a-token")).toEqual({ ok: false, reason: "invalid" });
    expect(await tokens.revoke(id)).toBe(true);
    expect(await tokens.revoke(id)).toBe(false);
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "invalid" });
    // Revoking every token does not open the API: only `pygent auth off` does.
    expect(await tokens.authEnabled()).toBe(true);
  });

  it("lists tokens without their hashes", async () => {
    await tokens.create("a", "viewer");
    const [listed] = await tokens.list();
    expect(listed).toMatchObject({ name: "a", role: "viewer", last_used_at: null, revoked_at: null });
    expect(listed).not.toHaveProperty("token_hash");
  });

  it("records last use at most once a minute", async () => {
    const { token } = await tokens.create("a", "viewer");
    const start = clock.now();
    await tokens.verify(token);
    clock.advance(30_000);
    await tokens.verify(token);
    expect((await tokens.list())[0]?.last_used_at).toBe(start);
    clock.advance(30_000);
    await tokens.verify(token);
    expect((await tokens.list())[0]?.last_used_at).toBe(start + 60_000);
  });

  it("refuses an empty name and an unknown role", async () => {
    await expect(tokens.create("  ", "viewer")).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(tokens.create("x", "root" as "admin")).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("accepts a token until its expiry, then reports it expired, in verify, state and list", async () => {
    const expiresAt = clock.now() + 60_000;
    const { id, token, expires_at } = await tokens.create("ci", "viewer", undefined, expiresAt);
    expect(expires_at).toBe(expiresAt);
    expect(await tokens.verify(token)).toMatchObject({ ok: true });
    expect(await tokens.state(id)).toBe("active");
    expect(await tokens.list()).toMatchObject([{ id, expires_at: expiresAt, expired: false }]);
    clock.advance(60_000);
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "expired", expires_at: expiresAt });
    expect(await tokens.state(id)).toBe("expired");
    expect(await tokens.list()).toMatchObject([{ id, expires_at: expiresAt, expired: true }]);
    expect(await tokens.revoke(id)).toBe(true);
    expect(await tokens.state(id)).toBe("revoked");
  });

  it("refuses an expiry that is not in the future, naming the field", async () => {
    for (const at of [clock.now(), clock.now() - 1, Number.NaN]) {
      const refused = tokens.create("x", "viewer", undefined, at);
      await expect(refused).rejects.toMatchObject({ code: "VALIDATION_FAILED", details: { issues: [{ field: "expires_at" }] } });
    }
    expect(await tokens.list()).toEqual([]);
  });

  it("counts only unexpired admin tokens as the last admin: an expired one may go, the last live one may not", async () => {
    const lapsing = await tokens.create("lapsing", "admin", undefined, clock.now() + 1000);
    const live = await tokens.create("live", "admin");
    clock.advance(1000);
    await expect(tokens.revoke(live.id)).rejects.toMatchObject({ code: "LAST_ADMIN_TOKEN" });
    expect(await tokens.revoke(lapsing.id)).toBe(true);
    expect(await store.tokens.countActive(clock.now())).toBe(1);
  });

  it("ranks roles viewer < operator < admin", () => {
    expect(roleAllows("admin", "operator")).toBe(true);
    expect(roleAllows("operator", "operator")).toBe(true);
    expect(roleAllows("operator", "admin")).toBe(false);
    expect(roleAllows("viewer", "operator")).toBe(false);
  });
});
