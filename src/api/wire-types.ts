/**
 * The API's answers and /ws messages as types, for clients written in TypeScript (the dashboard
 * in `web/` imports them from the built declarations). Each is derived from the schema or the
 * message type the daemon itself uses, so a client cannot drift from what is sent.
 */
import type { z } from "zod";
import type { AlertRecordSchema } from "./routes/alerts.js";
import type { HealthResponseSchema, SystemHealthResponseSchema } from "./schemas/health.js";
import type { ServerListSchema, ServerViewSchema } from "./schemas/servers.js";
import type { MemoryPageSchema, RecallResponseSchema } from "../memory/index.js";
import type { IngestResultSchema, RagDocumentSchema, SearchResponseSchema } from "../rag/index.js";

export type { ErrorBody } from "./error-handler.js";
export type { HealthUpdateMessage, ServerStatusMessage, Topic } from "./ws/wire-protocol.js";
export type { HealthStatus, ServerState } from "../bus/events.js";

export type ServerViewBody = z.output<typeof ServerViewSchema>;
export type ServerListBody = z.output<typeof ServerListSchema>;
/** GET /api/v1/health: the full report with the health monitor, the reduced one without it. */
export type HealthBody = z.output<typeof SystemHealthResponseSchema> | z.output<typeof HealthResponseSchema>;
export type AlertRecordBody = z.output<typeof AlertRecordSchema>;
export type RagDocumentBody = z.output<typeof RagDocumentSchema>;
export type RagIngestBody = z.output<typeof IngestResultSchema>;
/** POST/GET /api/v1/rag/search: each hit with its BM25 rank, vector rank and fused score. */
export type RagSearchBody = z.output<typeof SearchResponseSchema>;
export type MemoryPageBody = z.output<typeof MemoryPageSchema>;
export type MemoryRecallBody = z.output<typeof RecallResponseSchema>;
