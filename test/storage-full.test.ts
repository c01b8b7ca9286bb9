/**
 * A full disk, for real: SQLite's `max_page_count` caps the database file, and a write that needs
 * one more page fails with SQLITE_FULL ("database or disk is full"), exactly as on a full volume.
 * The test opens the database itself (the store's openDatabase option) to set the cap on the
 * store's own connection. The API answers 507 STORAGE_FULL, health says the database is critical
 * and why, the storage-full alert fires; reads keep working and nothing stored is lost. Once the
 * cap is raised the next write succeeds, health is healthy again and the alert resolves.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createAlertService, DAEMON_SUBJECT, type AlertService } from "../src/alerts/index.js";
import type { AlertEvent } from "../src/bus/index.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { publishStorageFaults } from "../src/health/index.js";
import { openSqlite, type SqliteDatabase } from "../src/store/database.js";
import { createTestApp, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";

let t: TestApp | undefined;
let alerts: AlertService | undefined;

afterEach(async () => {
  await alerts?.stop();
  alerts = undefined;
  await t?.close();
  t = undefined;
});

interface HealthBody {
  status: string;
  components: { database: { status: string; reasons: string[]; details: { write_fault: { reason: string } | null } } };
}

/** A server entry whose config needs several new pages in the database (overflow pages). */
function bulkyEntry(id: string): Record<string, unknown> {
  return { ...echoEntry(id), start: false, env: { PADDING: "x".repeat(32 * 1024) } };
}

describe("storage full", () => {
  it("answers 507 STORAGE_FULL, reports the database critical and alerts, then recovers when space returns", async () => {
    let db: SqliteDatabase | undefined;
    t = await createTestApp({
      storeOptions: {
        openDatabase: (path, clock) => {
          db = openSqlite(path, clock);
          return db;
        },
      },
    });
    const app = t;
    publishStorageFaults(app.store, app.bus, systemClock);
    alerts = createAlertService({ bus: app.bus, store: app.store, clock: systemClock, logger: silentLogger(), shutdownGraceMs: 200 });
    await alerts.start();
    const alertEvents: AlertEvent[] = [];
    app.bus.subscribe("alert", (event) => alertEvents.push(event));

    const before = await app.request({ method: "POST", url: "/api/v1/mcp/servers", payload: bulkyEntry("kept") });
    expect(before.statusCode).toBe(201);

    // The file may not grow past the pages it has now: the disk is full.
    const pages = db!.pragma("page_count", { simple: true }) as number;
    db!.pragma(`max_page_count = ${pages}`);

    const refused = await app.request({ method: "POST", url: "/api/v1/mcp/servers", payload: bulkyEntry("refused") });
    expect(refused.statusCode).toBe(507);
    const error = (refused.json() as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("STORAGE_FULL");
    expect(error.message).toMatch(/storage is full/);
    expect(error.message).toMatch(/database or disk is full/);

    const sick = (await app.request({ method: "GET", url: "/api/v1/health" })).json() as HealthBody;
    expect(sick.status).toBe("critical");
    expect(sick.components.database.status).toBe("critical");
    expect(sick.components.database.reasons[0]).toMatch(/^storage full: writes refused since .*database or disk is full/);
    expect(sick.components.database.details.write_fault?.reason).toMatch(/database or disk is full/);

    const firing = alerts.firing().filter((alert) => alert.rule_id === "storage-full");
    expect(firing).toEqual([expect.objectContaining({ server_id: DAEMON_SUBJECT, severity: "critical", state: "firing" })]);
    expect(firing[0]!.summary).toMatch(/database or disk is full/);
    expect(alertEvents).toContainEqual(expect.objectContaining({ rule_id: "storage-full", state: "firing" }));

    // Reads work during the fault, and what was stored before is all there.
    const listed = await app.request({ method: "GET", url: "/api/v1/mcp/servers" });
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { servers: { id: string }[] }).servers.map((server) => server.id)).toEqual(["kept"]);
    expect((await app.store.servers.list()).map((server) => server.id)).toEqual(["kept"]);

    // Space comes back: the next write goes through and everything recovers on its own.
    db!.pragma("max_page_count = 1073741823");
    const after = await app.request({ method: "POST", url: "/api/v1/mcp/servers", payload: bulkyEntry("after") });
    expect(after.statusCode).toBe(201);

    const well = (await app.request({ method: "GET", url: "/api/v1/health" })).json() as HealthBody;
    expect(well.components.database.status).toBe("healthy");
    expect(well.components.database.details.write_fault).toBeNull();
    expect(alerts.firing().filter((alert) => alert.rule_id === "storage-full")).toEqual([]);
    expect(alertEvents).toContainEqual(expect.objectContaining({ rule_id: "storage-full", state: "resolved", alert_id: firing[0]!.alert_id }));
    expect((await app.store.servers.list()).map((server) => server.id).sort()).toEqual(["after", "kept"]);
  });
});
