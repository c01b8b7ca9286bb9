/**
 * Opens the SQLite database: pragmas set once at open, migrations applied in one transaction
 * each. A database a newer PyGent has migrated further is refused rather than used: this code
 * cannot know what those migrations changed. The handle stays inside src/store; other domains
 * see only repositories.
 */
import Database from "better-sqlite3";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { MIGRATIONS, type Migration } from "./migrations/index.js";
import { ensurePrivateFile, restrictExisting, securePrivateDir } from "./private-files.js";

export type SqliteDatabase = Database.Database;

export function openSqlite(path: string, clock: Clock, migrations: Migration[] = MIGRATIONS): SqliteDatabase {
  const onDisk = path !== ":memory:";
  if (onDisk) {
    securePrivateDir(dirname(path));
    // Before SQLite opens it: SQLite creates -wal and -shm with the database file's mode.
    ensurePrivateFile(path);
    restrictExisting([`${path}-wal`, `${path}-shm`]);
  }
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma("synchronous = NORMAL");
  try {
    migrate(db, path, clock, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: SqliteDatabase, path: string, clock: Clock, migrations: Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
  )`);
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((row) => row.version),
  );
  const known = Math.max(0, ...migrations.map((migration) => migration.version));
  const written = Math.max(0, ...applied);
  if (written > known) {
    throw new AppError(
      "DATABASE_TOO_NEW",
      `${path} was written by a newer PyGent (schema ${written}, this one knows ${known}); upgrade PyGent or use another --data-dir`,
      { path, schema_version: written, known_version: known },
    );
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      for (const statement of migration.statements) db.exec(statement);
      record.run(migration.version, migration.name, clock.now());
    })();
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
