/** The audit domain's public surface: who did what, from where, to what, with what outcome. */
export { AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, AuditQuerySchema } from "./audit-query.js";
export type { AuditQuery } from "./audit-query.js";
export { ANONYMOUS_ACTOR, createAuditService, DEFAULT_AUDIT_RETENTION_DAYS, LOCAL_ACTOR } from "./audit-service.js";
export type { AuditActor, AuditEntry, AuditEvent, AuditService, AuditServiceOptions } from "./audit-service.js";
export { REDACTED, redactForAudit } from "./redact.js";
