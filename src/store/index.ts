export { DATABASE_FILE, openStore } from "./store.js";
export type { OpenStoreOptions, Store, StoreInfo } from "./store.js";
export { SECRET_KEY_ENV, SECRET_KEY_FILE } from "./secret-key.js";
export { newSecretKey, parseSecretKey } from "./secret-cipher.js";
export { securePrivateDir } from "./private-files.js";
export { isStorageFull, storageFullError } from "./storage-fault.js";
export type { StorageFault, StorageFaultListener } from "./storage-fault.js";
export type {
  AlertQuery,
  AlertRecord,
  AlertRecordSeverity,
  AlertRecordState,
  AlertRulesRepository,
  AlertsRepository,
  StoredAlertRule,
} from "./alerts-repository.js";
export type { AlertSilencesRepository, SilenceRecord } from "./alert-silences-repository.js";
export type { AlertOutboxRepository, ChannelStatsRecord, NewOutboxRecord, OutboxRecord, OutboxState } from "./alert-outbox-repository.js";
export { BUCKET_MS, HOUR_MS, MINUTE_MS, summarizeSamples } from "./health-repository.js";
export type {
  CapabilityChangeRecord,
  HealthRepository,
  HealthRollupRecord,
  HealthSampleRecord,
  OutcomeCounts,
  PruneCutoffs,
  PruneResult,
  RollupResolution,
  StoredCapabilitySnapshot,
  TimeRange,
} from "./health-repository.js";
export type { AuditFilter, AuditRecord, AuditRepository, NewAuditRecord } from "./audit-repository.js";
export type { AuthStateRecord, AuthStateRepository, DaemonBindRecord } from "./auth-state-repository.js";
export { AUTH_SWITCH_RECHECK_MS } from "./auth-state-repository.js";
export type { InstallRecord, InstallsRepository } from "./installs-repository.js";
export type { LastCapabilitiesRecord, LastCapabilitiesRepository } from "./last-capabilities-repository.js";
export type { DashboardLayoutRecord, DashboardLayoutsRepository } from "./dashboard-layouts-repository.js";
export type {
  EvolutionCandidateRecord,
  EvolutionProgress,
  EvolutionRepository,
  EvolutionRunRecord,
  EvolutionRunState,
} from "./evolution-repository.js";
export type { DiscoveryUsageRecord, DiscoveryUsageRepository } from "./discovery-usage-repository.js";
export type { ProcessGroupKind, ProcessGroupRecord, ProcessGroupsRepository } from "./process-groups-repository.js";
export type {
  NewServerEvent,
  ServerEventKind,
  ServerEventRecord,
  ServerEventsRepository,
} from "./server-events-repository.js";
export type { SecretsRepository } from "./secrets-repository.js";
export type { ServersRepository, StoredServer } from "./servers-repository.js";
export { roleAllows, TOKEN_ROLES, type TokenRecord, type TokenRole, type TokensRepository } from "./tokens-repository.js";
export type { ToolApprovalRecord, ToolApprovalsRepository } from "./tool-approvals-repository.js";
export type {
  NewRagChunk,
  RagChunkRecord,
  RagDocumentRecord,
  RagFormat,
  RagIndexFigures,
  RagRepository,
  RagSourceKind,
  RagVectors,
} from "./rag-repository.js";
export { MEMORY_KINDS } from "./memory-repository.js";
export type {
  MemoryFigures,
  MemoryItemRecord,
  MemoryKind,
  MemoryPruneRules,
  MemoryRepository,
  NewMemoryItem,
  RecallCandidate,
} from "./memory-repository.js";
export type { AgentRecord, AgentRunRecord, AgentsRepository, AgentStepRecord, RunOutcome } from "./agents-repository.js";
