/**
 * The database file across versions, on real SQLite files: a database made by the first schema
 * is brought up to the current one with its rows intact, one written by a newer PyGent is
 * refused (by the store and by `pygent serve`), and old rows are pruned in chunks that yield.
 */
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../src/core/clock.js";
import { openSqlite } from "../src/store/database.js";
import { DATABASE_FILE, openStore } from "../src/store/index.js";
import { MIGRATIONS } from "../src/store/migrations/index.js";
import { migration001 } from "../src/store/migrations/001-servers-events-groups-tokens.js";
import { runCli } from "./helpers/daemon-process.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const DAY_MS = 86_400_000;
/** The newest schema this build knows, and one only a newer PyGent would write. */
const KNOWN = Math.max(...MIGRATIONS.map((migration) => migration.version));
const NEWER = KNOWN + 1;

let dir: string;

beforeEach(() => {
  dir = makeTempDir("pygent-schema-");
});

afterEach(() => {
  removeTempDir(dir);
});

/** A database at schema `version`, as a newer PyGent would leave it. */
function writeNewerDatabase(version: number): string {
  const path = join(dir, DATABASE_FILE);
  openStore(dir, systemClock).close();
  const db = new Database(path);
  db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)").run(version);
  db.close();
  return path;
}

describe("schema migrations", () => {
  it("brings a database made by the first schema up to the current one, keeping its rows", async () => {
    const path = join(dir, DATABASE_FILE);
    const first = openSqlite(path, systemClock, [migration001]);
    first.prepare("INSERT INTO servers (id, config, created_at, updated_at) VALUES (?, ?, ?, ?)").run(
      "memory",
      JSON.stringify({ id: "memory", command: ["node", "memory.js"] }),
      1000,
      2000,
    );
    first
      .prepare("INSERT INTO server_events (server_id, kind, detail, exit_code, signal, at) VALUES (?, ?, ?, ?, ?, ?)")
      .run("memory", "exited", "exited with code 1", 1, null, 3000);
    first
      .prepare("INSERT INTO api_tokens (id, name, role, token_hash, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run("tok1", "ci", "admin", "hash-1", 4000, null, null);
    first
      .prepare("INSERT INTO process_groups (pgid, pid, server_id, daemon_pid, daemon_instance, command, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(4242, 4242, "memory", 1, "old-instance", "node memory.js", 5000);
    first.close();

    const store = openStore(dir, systemClock);
    try {
      const db = new Database(path, { readonly: true });
      const versions = (db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map((row) => row.version);
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((row) => row.name);
      db.close();
      expect(versions).toEqual(MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b));
      expect(indexes).toEqual(expect.arrayContaining(["server_events_by_time", "capability_changes_by_time", "health_samples_by_server"]));
      expect((await store.info()).schema_version).toBe(Math.max(...versions));

      expect(await store.servers.get("memory")).toMatchObject({ id: "memory", config: { id: "memory", command: ["node", "memory.js"] } });
      expect(await store.serverEvents.listForServer("memory", 10)).toEqual([
        { id: 1, server_id: "memory", kind: "exited", detail: "exited with code 1", exit_code: 1, signal: null, at: 3000 },
      ]);
      expect(await store.tokens.list()).toEqual([expect.objectContaining({ id: "tok1", name: "ci", role: "admin", token_hash: "hash-1" })]);
      expect(await store.processGroups.list()).toEqual([expect.objectContaining({ pgid: 4242, server_id: "memory", daemon_instance: "old-instance" })]);
      // The later tables work on the migrated file.
      await store.health.appendSamples([
        { server_id: "memory", at: 6000, status: "healthy", ok: true, response_time_ms: 2, cpu_percent: null, memory_mb: null, error: null },
      ]);
      expect(await store.health.latestSample("memory")).toMatchObject({ at: 6000, ok: true });
    } finally {
      store.close();
    }
  });

  it("refuses a database written by a newer PyGent, naming both schema versions", () => {
    const path = writeNewerDatabase(NEWER);
    expect(() => openStore(dir, systemClock)).toThrow(
      expect.objectContaining({
        code: "DATABASE_TOO_NEW",
        message: `${path} was written by a newer PyGent (schema ${NEWER}, this one knows ${KNOWN}); upgrade PyGent or use another --data-dir`,
      }),
    );
    // Refused, not touched: the newer schema's record is still the newest.
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get()).toEqual({ v: NEWER });
    db.close();
  });

  it("makes `pygent serve` exit non-zero with the refusal, not a stack trace", async () => {
    writeNewerDatabase(NEWER);
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    const run = await runCli(["serve", "--port", "0", "--data-dir", dir, "--config", configPath, "--log-level", "warn"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: .*pygent\\.db was written by a newer PyGent \\(schema ${NEWER}, this one knows ${KNOWN}\\); upgrade PyGent or use another --data-dir$`, "m"));
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);
});

/** Runs `work`, counting the event-loop turns other work got meanwhile. */
async function countingTicks<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  let ticking = true;
  const tick = () => {
    ticks++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  ticking = false;
  return { result, ticks };
}

describe("pruning old rows", () => {
  it("deletes server events before the cutoff in chunks, letting other work run between them", async () => {
    const store = openStore(dir, systemClock);
    try {
      const now = Date.now();
      const db = new Database(join(dir, DATABASE_FILE));
      const insert = db.prepare("INSERT INTO server_events (server_id, kind, detail, exit_code, signal, at) VALUES (?, 'started', NULL, NULL, NULL, ?)");
      db.transaction(() => {
        for (let i = 0; i < 7000; i++) insert.run(`s${i % 7}`, now - 40 * DAY_MS + i);
        for (let i = 0; i < 3; i++) insert.run("s0", now - i);
      })();
      db.close();

      const { result: pruned, ticks } = await countingTicks(() => store.serverEvents.pruneBefore(now - 30 * DAY_MS));
      expect(pruned).toBe(7000);
      expect(ticks).toBeGreaterThanOrEqual(3);
      expect((await store.serverEvents.listForServer("s0", 100)).map((event) => event.at)).toEqual([now, now - 1, now - 2]);
    } finally {
      store.close();
    }
  });

  it("deletes finished alert outbox rows before the cutoff in chunks, never a pending one", async () => {
    const store = openStore(dir, systemClock);
    try {
      const now = Date.now();
      const old = now - 40 * DAY_MS;
      const db = new Database(join(dir, DATABASE_FILE));
      const insert = db.prepare(
        `INSERT INTO alert_outbox (channel_id, notification_id, alert_ids, payload, state, attempts, last_error, next_attempt_at, created_at, finished_at)
         VALUES (?, ?, '[]', '{}', ?, 1, NULL, ?, ?, ?)`,
      );
      db.transaction(() => {
        for (let i = 0; i < 4500; i++) insert.run("ops", `n${i}`, i % 3 === 0 ? "expired" : i % 3 === 1 ? "dropped" : "delivered", old, old, old + i);
        insert.run("ops", "recent", "delivered", now, now, now);
        insert.run("ops", "waiting", "pending", old, old, null);
      })();
      db.close();

      const { result: pruned, ticks } = await countingTicks(() => store.alertOutbox.pruneFinishedBefore(now - 30 * DAY_MS));
      expect(pruned).toBe(4500);
      expect(ticks).toBeGreaterThanOrEqual(2);
      expect(await store.alertOutbox.head("ops")).toMatchObject({ notification_id: "waiting", state: "pending" });
      const left = new Database(join(dir, DATABASE_FILE), { readonly: true });
      expect(left.prepare("SELECT notification_id FROM alert_outbox ORDER BY id").all()).toEqual([{ notification_id: "recent" }, { notification_id: "waiting" }]);
      left.close();
    } finally {
      store.close();
    }
  });
});
