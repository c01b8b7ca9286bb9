/**
 * The API's answers and /ws messages as types, for clients written in TypeScript (the dashboard
 * in `web/` imports them from the built declarations). Each is derived from the schema or the
 * message type the daemon itself uses, so a client cannot drift from what is sent.
 */
import type { z } from "zod";
import type { ApprovalsListSchema, GatewayStatus } from "../gateway/index.js";
import type { AlertRecordSchema } from "./routes/alerts.js";
import type { AuditEntrySchema } from "./routes/audit.js";
import type { CategoriesSchema, DiscoveredServerSchema, InstallResponseSchema, PopularSchema, SearchResultSchema, ServerDetailSchema } from "./routes/discovery.js";
import type { HealthResponseSchema, SystemHealthResponseSchema } from "./schemas/health.js";
import type { ServerListSchema, ServerViewSchema } from "./schemas/servers.js";

export type { ErrorBody } from "./error-handler.js";
export type { HealthUpdateMessage, ServerStatusMessage, Topic } from "./ws/wire-protocol.js";
export type { HealthStatus, InstallProgressEvent as InstallProgressMessage, ServerState } from "../bus/events.js";
export type { ApprovalResult as ApprovalResultBody, PendingApproval } from "../gateway/index.js";

export type ServerViewBody = z.output<typeof ServerViewSchema>;
export type ServerListBody = z.output<typeof ServerListSchema>;
/** GET /api/v1/health: the full report with the health monitor, the reduced one without it. */
export type HealthBody = z.output<typeof SystemHealthResponseSchema> | z.output<typeof HealthResponseSchema>;
export type AlertRecordBody = z.output<typeof AlertRecordSchema>;
export type DiscoveredServerBody = z.output<typeof DiscoveredServerSchema>;
export type DiscoveredServerDetailBody = z.output<typeof ServerDetailSchema>;
export type CategoriesBody = z.output<typeof CategoriesSchema>;
export type SearchResultBody = z.output<typeof SearchResultSchema>;
export type PopularBody = z.output<typeof PopularSchema>;
export type InstallResponseBody = z.output<typeof InstallResponseSchema>;
export type GatewayStatusBody = GatewayStatus;
export type ApprovalsBody = z.output<typeof ApprovalsListSchema>;
export type AuditEntryBody = z.output<typeof AuditEntrySchema>;
