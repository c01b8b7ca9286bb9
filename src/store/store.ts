/**
 * The store: one object holding every repository, opened from a data directory. SQLite
 * (data/pygent.db) is the default; a PostgreSQL store would implement the same interface.
 */
import { join } from "node:path";
import type { Clock } from "../core/clock.js";
import { sqliteAlertOutboxRepository, type AlertOutboxRepository } from "./alert-outbox-repository.js";
import { sqliteAlertRulesRepository, sqliteAlertsRepository, type AlertRulesRepository, type AlertsRepository } from "./alerts-repository.js";
import { sqliteAuditRepository, type AuditRepository } from "./audit-repository.js";
import { sqliteAuthStateRepository, type AuthStateRepository } from "./auth-state-repository.js";
import { fileSize, openSqlite } from "./database.js";
import { sqliteHealthRepository, type HealthRepository } from "./health-repository.js";
import { sqliteInstallsRepository, type InstallsRepository } from "./installs-repository.js";
import { sqliteDiscoveryUsageRepository, type DiscoveryUsageRepository } from "./discovery-usage-repository.js";
import { sqliteProcessGroupsRepository, type ProcessGroupsRepository } from "./process-groups-repository.js";
import { secretKeySource } from "./secret-key.js";
import { sqliteSecretsRepository, type SecretsRepository } from "./secrets-repository.js";
import { sqliteServerEventsRepository, type ServerEventsRepository } from "./server-events-repository.js";
import { sqliteServersRepository, type ServersRepository } from "./servers-repository.js";
import { sqliteTokensRepository, type TokensRepository } from "./tokens-repository.js";

export interface StoreInfo {
  kind: "sqlite";
  path: string;
  size_bytes: number;
  wal_bytes: number;
  schema_version: number;
}

export interface Store {
  servers: ServersRepository;
  serverEvents: ServerEventsRepository;
  processGroups: ProcessGroupsRepository;
  tokens: TokensRepository;
  alerts: AlertsRepository;
  alertRules: AlertRulesRepository;
  alertOutbox: AlertOutboxRepository;
  health: HealthRepository;
  secrets: SecretsRepository;
  installs: InstallsRepository;
  authState: AuthStateRepository;
  audit: AuditRepository;
  discoveryUsage: DiscoveryUsageRepository;
  /** Runs a trivial query; resolves with how long it took. */
  ping(): Promise<{ latency_ms: number }>;
  info(): Promise<StoreInfo>;
  close(): void;
}

export const DATABASE_FILE = "pygent.db";

export interface OpenStoreOptions {
  /** Where PYGENT_SECRET_KEY is read from; process.env by default. */
  environment?: NodeJS.ProcessEnv;
}

export function openStore(dataDir: string, clock: Clock, options: OpenStoreOptions = {}): Store {
  const path = join(dataDir, DATABASE_FILE);
  const keys = secretKeySource(dataDir, options.environment ?? process.env);
  const db = openSqlite(path, clock);
  const pingStmt = db.prepare("SELECT 1 AS ok");
  const versionStmt = db.prepare("SELECT MAX(version) AS v FROM schema_migrations");
  return {
    servers: sqliteServersRepository(db),
    serverEvents: sqliteServerEventsRepository(db),
    processGroups: sqliteProcessGroupsRepository(db),
    tokens: sqliteTokensRepository(db),
    alerts: sqliteAlertsRepository(db),
    alertRules: sqliteAlertRulesRepository(db),
    alertOutbox: sqliteAlertOutboxRepository(db),
    health: sqliteHealthRepository(db),
    secrets: sqliteSecretsRepository(db, keys),
    installs: sqliteInstallsRepository(db),
    authState: sqliteAuthStateRepository(db),
    audit: sqliteAuditRepository(db),
    discoveryUsage: sqliteDiscoveryUsageRepository(db),
    async ping() {
      const started = performance.now();
      pingStmt.get();
      return { latency_ms: performance.now() - started };
    },
    async info() {
      return {
        kind: "sqlite",
        path,
        size_bytes: fileSize(path),
        wal_bytes: fileSize(`${path}-wal`),
        schema_version: (versionStmt.get() as { v: number }).v,
      };
    },
    close() {
      if (db.open) db.close();
    },
  };
}
