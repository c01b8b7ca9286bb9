// The audit service over a real SQLite store: append-only, filtered reads, retention in chunks.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../core/logger.js";
import { DATABASE_FILE, openStore, type Store } from "../store/index.js";
import { AuditQuerySchema } from "./audit-query.js";
import { createAuditService, LOCAL_ACTOR, type AuditService } from "./audit-service.js";

const DAY = 86_400_000;
let dir: string;
let store: Store;
let clock: ManualClock;
let audit: AuditService;
let retentionDays = 90;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pygent-audit-"));
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  store = openStore(dir, clock);
  retentionDays = 90;
  audit = createAuditService({ repository: store.audit, clock, logger: silentLogger(), retentionDays: () => retentionDays, pruneIntervalMs: 3_600_000 });
});
afterEach(() => {
  audit.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const query = (input: Record<string, string> = {}) => audit.query(AuditQuerySchema.parse(input));

describe("audit service", () => {
  it("records who, what, target, outcome and time, and filters by each, newest first", async () => {
    await audit.record({ actor: { id: "t1", name: "ci" }, ip: "10.0.0.2", action: "POST /api/v1/mcp/servers", target: "fs", ok: true, status: 201 });
    clock.advance(1000);
    await audit.record({ actor: LOCAL_ACTOR, action: "token.revoke", target: "t9", ok: false, error_code: "LAST_ADMIN_TOKEN" });
    const all = await query();
    expect(all.map((entry) => entry.action)).toEqual(["token.revoke", "POST /api/v1/mcp/servers"]);
    expect(all[1]).toMatchObject({ actor_id: "t1", actor_name: "ci", ip: "10.0.0.2", target: "fs", ok: true, status: 201, at: Date.UTC(2026, 0, 1) });
    expect((await query({ actor: "t1" })).map((e) => e.target)).toEqual(["fs"]);
    expect((await query({ actor: "local" })).map((e) => e.target)).toEqual(["t9"]);
    expect((await query({ action: "token." })).map((e) => e.target)).toEqual(["t9"]);
    expect((await query({ target: "fs" })).length).toBe(1);
    expect((await query({ from: String(Date.UTC(2026, 0, 1) + 1) })).map((e) => e.target)).toEqual(["t9"]);
    expect((await query({ to: "2026-01-01T00:00:00Z" })).map((e) => e.target)).toEqual(["fs"]);
    expect((await query({ limit: "1" })).length).toBe(1);
  });

  it("writes entries in batches, each record resolving once its entry is stored", async () => {
    const batches: number[] = [];
    const counted = createAuditService({
      repository: { ...store.audit, append: (records) => (batches.push(records.length), store.audit.append(records)) },
      clock,
      logger: silentLogger(),
      retentionDays: () => retentionDays,
    });
    await Promise.all(["a", "b", "c"].map((action) => counted.record({ actor: LOCAL_ACTOR, action, ok: true })));
    await counted.record({ actor: LOCAL_ACTOR, action: "d", ok: true });
    expect((await store.audit.query({ limit: 10 })).map((row) => row.action).sort()).toEqual(["a", "b", "c", "d"]);
    expect(batches).toEqual([3, 1]);
  });

  it("stores details redacted", async () => {
    await audit.record({ actor: LOCAL_ACTOR, action: "x", ok: true, details: { body: { arguments: { password: "hunter2", q: "ok" } } } });
    const [entry] = await query();
    expect(entry?.details).toEqual({ body: { arguments: { password: "[redacted]", q: "ok" } } });
    expect(JSON.stringify(await store.audit.query({ limit: 10 }))).not.toContain("hunter2");
  });

  it("prunes entries older than the retention on its timer, and keeps the rest", async () => {
    for (let i = 0; i < 7; i++) await audit.record({ actor: LOCAL_ACTOR, action: `old.${i}`, ok: true });
    clock.advance(10 * DAY);
    await audit.record({ actor: LOCAL_ACTOR, action: "recent", ok: true });
    retentionDays = 5;
    audit.start();
    clock.advance(3_600_000);
    await vi.waitFor(async () => expect((await query()).map((e) => e.action)).toEqual(["recent"]), { timeout: 5000 });
  });

  it("is append-only: the database refuses to rewrite an entry", async () => {
    await audit.record({ actor: LOCAL_ACTOR, action: "token.revoke", ok: true });
    const db = new Database(join(dir, DATABASE_FILE));
    try {
      expect(() => db.prepare("UPDATE audit_log SET ok = 0").run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect((await query())[0]?.ok).toBe(true);
  });

  it("refuses to parse a bad filter, naming the field", () => {
    for (const [input, field] of [
      [{ limit: "0" }, "limit"],
      [{ limit: "many" }, "limit"],
      [{ from: "yesterday" }, "from"],
      [{ from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }, "from"],
      [{ actor: "" }, "actor"],
      [{ bogus: "1" }, ""],
    ] as const) {
      const result = AuditQuerySchema.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      if (field) expect(result.error?.issues[0]?.path).toEqual([field]);
    }
  });
});
