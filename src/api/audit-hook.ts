/**
 * The one place API calls reach the audit log: an onResponse hook recording every mutating
 * request (and, with `security.audit_reads`, every read) with who made it, from where, the route
 * and its target, the outcome and the body redacted (audit/redact.ts). The error code is read
 * from the error body as it is sent, so refusals made before any route (401, 403, 429) carry it.
 * A route whose body fields carry values that must never be stored names them in its config
 * (`auditValuesHidden`); they are kept by name only, whether the request succeeded or was refused.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ANONYMOUS_ACTOR, LOCAL_ACTOR, type AuditActor, type AuditService } from "../audit/index.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Body fields whose keys may go into the audit log but never their values (e.g. `["arguments", "env"]`). */
    auditValuesHidden?: readonly string[];
    /**
     * For a POST that may only read (the MCP endpoint's lists and reads): true when this request
     * changes or runs nothing, so it is audited like a GET, only with `security.audit_reads`.
     */
    auditReadOnly?: (request: FastifyRequest) => boolean;
    /** The request's target when neither its route parameters nor its body's `id` name it (what an MCP message calls). */
    auditTarget?: (request: FastifyRequest) => string | null;
  }
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Error bodies are small; anything bigger is not one of ours. */
const MAX_ERROR_BODY = 64 * 1024;

export interface AuditHookOptions {
  /** Read per request, so a config reload applies. */
  auditReads: () => boolean;
}

/** Who made the request: its token, else "local" with auth off, else "anonymous". */
export function actorOf(request: FastifyRequest): AuditActor {
  if (request.principal) return { id: request.principal.token_id, name: request.principal.name };
  return request.authMode === "off" ? LOCAL_ACTOR : ANONYMOUS_ACTOR;
}

function errorCodeOf(payload: unknown): string | undefined {
  if (typeof payload !== "string" || payload.length > MAX_ERROR_BODY) return undefined;
  try {
    const code: unknown = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The route's own target, else its parameters joined (`fs`, `fs/echo`), else the `id` a create names in its body, else null. */
function targetOf(request: FastifyRequest): string | null {
  const named = request.routeOptions.config?.auditTarget;
  if (named) return named(request);
  const params: unknown = request.params;
  const values =
    typeof params === "object" && params !== null ? Object.values(params).filter((value): value is string => typeof value === "string") : [];
  if (values.length > 0) return values.join("/");
  const id: unknown = typeof request.body === "object" && request.body !== null ? (request.body as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : null;
}

export function registerAuditHook(app: FastifyInstance, audit: AuditService, options: AuditHookOptions): void {
  const errorCodes = new WeakMap<FastifyRequest, string>();
  const reads = (request: FastifyRequest): boolean =>
    READ_METHODS.has(request.method) || request.routeOptions.config?.auditReadOnly?.(request) === true;
  const audited = (request: FastifyRequest): boolean => !reads(request) || options.auditReads();

  app.addHook("onSend", async (request, reply, payload) => {
    if (reply.statusCode >= 400 && audited(request)) {
      const code = errorCodeOf(payload);
      if (code !== undefined) errorCodes.set(request, code);
    }
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    if (!audited(request)) return;
    const path = request.routeOptions.url ?? request.url.split("?")[0] ?? "";
    const body = request.body;
    await audit.record({
      actor: actorOf(request),
      ip: request.ip,
      action: `${request.method} ${path}`,
      target: targetOf(request),
      ok: reply.statusCode < 400,
      status: reply.statusCode,
      error_code: errorCodes.get(request) ?? null,
      details: typeof body === "object" && body !== null ? { body } : undefined,
      values_hidden: request.routeOptions.config?.auditValuesHidden?.map((field) => `body.${field}`),
    });
  });
}
