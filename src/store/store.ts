/**
 * The store: one object holding every repository, opened from a data directory. SQLite
 * (data/pygent.db) is the default; a PostgreSQL store would implement the same interface.
 */
import { join } from "node:path";
import type { Clock } from "../core/clock.js";
import { sqliteAgentsRepository, type AgentsRepository } from "./agents-repository.js";
import { sqliteAlertOutboxRepository, type AlertOutboxRepository } from "./alert-outbox-repository.js";
import { sqliteAlertSilencesRepository, type AlertSilencesRepository } from "./alert-silences-repository.js";
import { sqliteAlertRulesRepository, sqliteAlertsRepository, type AlertRulesRepository, type AlertsRepository } from "./alerts-repository.js";
import { sqliteAuditRepository, type AuditRepository } from "./audit-repository.js";
import { sqliteAuthStateRepository, type AuthStateRepository } from "./auth-state-repository.js";
import { fileSize, openSqlite, type SqliteDatabase } from "./database.js";
import { sqliteHealthRepository, type HealthRepository } from "./health-repository.js";
import { sqliteInstallsRepository, type InstallsRepository } from "./installs-repository.js";
import { sqliteLastCapabilitiesRepository, type LastCapabilitiesRepository } from "./last-capabilities-repository.js";
import { sqliteDashboardLayoutsRepository, type DashboardLayoutsRepository } from "./dashboard-layouts-repository.js";
import { sqliteMemoryRepository, type MemoryRepository } from "./memory-repository.js";
import { sqliteDiscoveryUsageRepository, type DiscoveryUsageRepository } from "./discovery-usage-repository.js";
import { sqliteEvolutionRepository, type EvolutionRepository } from "./evolution-repository.js";
import { sqliteProcessGroupsRepository, type ProcessGroupsRepository } from "./process-groups-repository.js";
import { sqliteRagRepository, type RagRepository } from "./rag-repository.js";
import { secretKeySource } from "./secret-key.js";
import { sqliteSecretsRepository, type SecretsRepository } from "./secrets-repository.js";
import { sqliteServerEventsRepository, type ServerEventsRepository } from "./server-events-repository.js";
import { sqliteServersRepository, type ServersRepository } from "./servers-repository.js";
import { StorageFaultWatch, type StorageFault, type StorageFaultListener } from "./storage-fault.js";
import { sqliteTokensRepository, type TokensRepository } from "./tokens-repository.js";
import { sqliteToolApprovalsRepository, type ToolApprovalsRepository } from "./tool-approvals-repository.js";

export interface StoreInfo {
  kind: "sqlite";
  path: string;
  size_bytes: number;
  wal_bytes: number;
  schema_version: number;
  /** Writes are being refused for want of space (STORAGE_FULL); null when the last write went through. */
  write_fault: StorageFault | null;
}

export interface Store {
  servers: ServersRepository;
  serverEvents: ServerEventsRepository;
  processGroups: ProcessGroupsRepository;
  tokens: TokensRepository;
  alerts: AlertsRepository;
  alertRules: AlertRulesRepository;
  alertOutbox: AlertOutboxRepository;
  alertSilences: AlertSilencesRepository;
  health: HealthRepository;
  secrets: SecretsRepository;
  installs: InstallsRepository;
  authState: AuthStateRepository;
  audit: AuditRepository;
  discoveryUsage: DiscoveryUsageRepository;
  toolApprovals: ToolApprovalsRepository;
  lastCapabilities: LastCapabilitiesRepository;
  evolution: EvolutionRepository;
  dashboardLayouts: DashboardLayoutsRepository;
  /** The retrieval index (src/rag). */
  rag: RagRepository;
  /** Agents' memory (src/memory). */
  memory: MemoryRepository;
  agents: AgentsRepository;
  /** Runs a trivial query; resolves with how long it took. */
  ping(): Promise<{ latency_ms: number }>;
  info(): Promise<StoreInfo>;
  /** Called when writes start being refused for want of space (a fault) and when one succeeds again (null). */
  onStorageFault(listener: StorageFaultListener): () => void;
  close(): void;
}

export const DATABASE_FILE = "pygent.db";

export interface OpenStoreOptions {
  /** Where PYGENT_SECRET_KEY is read from; process.env by default. */
  environment?: NodeJS.ProcessEnv;
  /** Opens the database file; `openSqlite` (pragmas and migrations) by default. */
  openDatabase?: (path: string, clock: Clock) => SqliteDatabase;
}

export function openStore(dataDir: string, clock: Clock, options: OpenStoreOptions = {}): Store {
  const path = join(dataDir, DATABASE_FILE);
  const keys = secretKeySource(dataDir, options.environment ?? process.env);
  const db = (options.openDatabase ?? openSqlite)(path, clock);
  const pingStmt = db.prepare("SELECT 1 AS ok");
  const versionStmt = db.prepare("SELECT MAX(version) AS v FROM schema_migrations");
  const pagesStmt = db.prepare("PRAGMA page_count");
  const faults = new StorageFaultWatch(path, () => (pagesStmt.get() as { page_count: number }).page_count, () => clock.now());
  return {
    servers: faults.guard(sqliteServersRepository(db)),
    serverEvents: faults.guard(sqliteServerEventsRepository(db)),
    processGroups: faults.guard(sqliteProcessGroupsRepository(db)),
    tokens: faults.guard(sqliteTokensRepository(db)),
    alerts: faults.guard(sqliteAlertsRepository(db)),
    alertRules: faults.guard(sqliteAlertRulesRepository(db)),
    alertOutbox: faults.guard(sqliteAlertOutboxRepository(db)),
    alertSilences: faults.guard(sqliteAlertSilencesRepository(db)),
    health: faults.guard(sqliteHealthRepository(db)),
    secrets: faults.guard(sqliteSecretsRepository(db, keys)),
    installs: faults.guard(sqliteInstallsRepository(db)),
    authState: faults.guard(sqliteAuthStateRepository(db, () => clock.now())),
    audit: faults.guard(sqliteAuditRepository(db)),
    discoveryUsage: faults.guard(sqliteDiscoveryUsageRepository(db)),
    toolApprovals: faults.guard(sqliteToolApprovalsRepository(db)),
    lastCapabilities: faults.guard(sqliteLastCapabilitiesRepository(db)),
    evolution: faults.guard(sqliteEvolutionRepository(db)),
    dashboardLayouts: faults.guard(sqliteDashboardLayoutsRepository(db)),
    rag: faults.guard(sqliteRagRepository(db)),
    memory: faults.guard(sqliteMemoryRepository(db)),
    agents: faults.guard(sqliteAgentsRepository(db)),
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
        write_fault: faults.current(),
      };
    },
    onStorageFault(listener) {
      return faults.onChange(listener);
    },
    close() {
      if (db.open) db.close();
    },
  };
}
