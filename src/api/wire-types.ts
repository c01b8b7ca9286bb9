/**
 * The API's answers and /ws messages as types, for clients written in TypeScript (the dashboard
 * in `web/` imports them from the built declarations). Each is derived from the schema or the
 * message type the daemon itself uses, so a client cannot drift from what is sent.
 */
import type { z } from "zod";
import type { ApprovalResultSchema, ApprovalsListSchema, GatewayStatus } from "../gateway/index.js";
import type { CapabilityChangesSchema, CurrentHealthSchema, HistorySchema } from "./routes/server-health.js";
import type { NewSilenceSchema } from "../alerts/index.js";
import type { AlertRulePatchSchema, NewAlertRuleSchema } from "../config/alerts-schema.js";
import type { AlertRecordSchema, RuleViewSchema, SilenceViewSchema } from "./routes/alerts.js";
import type { AuditEntrySchema } from "./routes/audit.js";
import type { CallerSchema } from "./routes/tokens.js";
import type { LayoutSchema, LayoutInputSchema } from "../health/index.js";
import type { ActivityResponseSchema } from "./routes/metrics.js";
import type { CategoriesSchema, DiscoveredServerSchema, InstallResponseSchema, PopularSchema, SearchResultSchema, ServerDetailSchema } from "./routes/discovery.js";
import type { HealthResponseSchema, SystemHealthResponseSchema } from "./schemas/health.js";
import type {
  CapabilitySnapshotSchema,
  EventsResponseSchema,
  LogsResponseSchema,
  ServerListSchema,
  ServerViewSchema,
  ToolCallResultSchema,
} from "./schemas/servers.js";
import type { MemoryPageSchema, RecallResponseSchema } from "../memory/index.js";
import type { IngestResultSchema, RagDocumentSchema, SearchResponseSchema } from "../rag/index.js";
import type { AgentViewSchema, CreateAgentBodySchema, RunDetailSchema, RunViewSchema, TemplateViewSchema } from "../agents/index.js";
import type { EvolutionRunBodySchema } from "../agents/evolution/index.js";
import type { EvolutionCandidateSchema, EvolutionRunSchema, EvolutionRunViewSchema } from "./routes/evolution.js";

export type { ErrorBody } from "./error-handler.js";
export type { AlertMessage, HealthUpdateMessage, MetricsActivityMessage, ServerStatusMessage, Topic } from "./ws/wire-protocol.js";
export type { HealthStatus, InstallProgressEvent as InstallProgressMessage, ServerState } from "../bus/events.js";
export type { PendingApproval } from "../gateway/index.js";
export type {
  AgentRunFinishedEvent as AgentRunFinishedMessage,
  AgentRunStartedEvent as AgentRunStartedMessage,
  AgentStepEvent as AgentStepMessage,
  EvolutionFinishedEvent as EvolutionFinishedMessage,
  EvolutionGenerationEvent as EvolutionGenerationMessage,
} from "../bus/events.js";

export type ServerViewBody = z.output<typeof ServerViewSchema>;
export type ServerListBody = z.output<typeof ServerListSchema>;
/** GET /api/v1/health: the full report with the health monitor, the reduced one without it. */
export type HealthBody = z.output<typeof SystemHealthResponseSchema> | z.output<typeof HealthResponseSchema>;
export type AlertRecordBody = z.output<typeof AlertRecordSchema>;
export type ServerHealthBody = z.output<typeof CurrentHealthSchema>;
export type HealthHistoryBody = z.output<typeof HistorySchema>;
export type CapabilityChangesBody = z.output<typeof CapabilityChangesSchema>;
export type CapabilitySnapshotBody = z.output<typeof CapabilitySnapshotSchema>;
export type LogsBody = z.output<typeof LogsResponseSchema>;
export type ServerEventsBody = z.output<typeof EventsResponseSchema>;
export type ToolCallResultBody = z.output<typeof ToolCallResultSchema>;
export type ApprovalsBody = z.output<typeof ApprovalsListSchema>;
export type ApprovalResultBody = z.output<typeof ApprovalResultSchema>;
export type RuleViewBody = z.output<typeof RuleViewSchema>;
export type SilenceViewBody = z.output<typeof SilenceViewSchema>;
/** What POST /api/v1/alerts/silences, POST /api/v1/alerts/rules and PATCH /api/v1/alerts/rules/{id} take. */
export type NewSilenceBody = z.input<typeof NewSilenceSchema>;
export type NewAlertRuleBody = z.input<typeof NewAlertRuleSchema>;
export type AlertRulePatchBody = z.input<typeof AlertRulePatchSchema>;
export type RagDocumentBody = z.output<typeof RagDocumentSchema>;
export type RagIngestBody = z.output<typeof IngestResultSchema>;
/** POST/GET /api/v1/rag/search: each hit with its BM25 rank, vector rank and fused score. */
export type RagSearchBody = z.output<typeof SearchResponseSchema>;
export type MemoryPageBody = z.output<typeof MemoryPageSchema>;
export type MemoryRecallBody = z.output<typeof RecallResponseSchema>;
export type AgentViewBody = z.output<typeof AgentViewSchema>;
export type AgentTemplateBody = z.output<typeof TemplateViewSchema>;
export type AgentRunBody = z.output<typeof RunViewSchema>;
/** A run with its steps: the model's answers, tool calls with arguments and results, latency and tokens. */
export type AgentRunDetailBody = z.output<typeof RunDetailSchema>;
/** What POST /api/v1/agents takes. */
export type NewAgentBody = z.input<typeof CreateAgentBodySchema>;
export type EvolutionRunSummaryBody = z.output<typeof EvolutionRunSchema>;
export type EvolutionRunViewBody = z.output<typeof EvolutionRunViewSchema>;
export type EvolutionCandidateBody = z.output<typeof EvolutionCandidateSchema>;
/** What POST /api/v1/evolution/runs takes. */
export type NewEvolutionRunBody = z.input<typeof EvolutionRunBodySchema>;
export type DiscoveredServerBody = z.output<typeof DiscoveredServerSchema>;
export type DiscoveredServerDetailBody = z.output<typeof ServerDetailSchema>;
export type CategoriesBody = z.output<typeof CategoriesSchema>;
export type SearchResultBody = z.output<typeof SearchResultSchema>;
export type PopularBody = z.output<typeof PopularSchema>;
export type InstallResponseBody = z.output<typeof InstallResponseSchema>;
export type GatewayStatusBody = GatewayStatus;
export type AuditEntryBody = z.output<typeof AuditEntrySchema>;
/** GET /api/v1/tokens/me: who calls, and the roles whose actions it may take. */
export type CallerBody = z.output<typeof CallerSchema>;
export type ActivityBody = z.output<typeof ActivityResponseSchema>;
export type DashboardLayoutBody = z.output<typeof LayoutSchema>;
/** What POST and PUT /api/v1/dashboards take. */
export type DashboardLayoutInputBody = z.input<typeof LayoutInputSchema>;
