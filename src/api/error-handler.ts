/**
 * Errors become HTTP responses here and nowhere else. Our AppErrors carry their catalogue status;
 * Fastify's own client errors (oversize body, bad JSON, wrong content type, unknown route) are
 * mapped to catalogue codes; a file write refused for want of space (ENOSPC) is 507 STORAGE_FULL,
 * as the store's own refused writes already are; anything else is a 500 with a generic message, logged with its
 * stack, which never reaches the response.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, ERROR_CATALOGUE, isAppError, type ErrorCode } from "../core/errors.js";
import { isStorageFull, storageFullError } from "../store/index.js";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: unknown };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** Whether the cause deserves a log line: client mistakes do not. */
  log: "none" | "warn" | "error";
}

/** Fastify's codes for client mistakes, and what each one is in our catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_JSON_BODY: "VALIDATION_FAILED",
  FST_ERR_CTP_EMPTY_JSON_BODY: "VALIDATION_FAILED",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "VALIDATION_FAILED",
  FST_ERR_VALIDATION: "VALIDATION_FAILED",
  FST_ERR_NOT_FOUND: "NOT_FOUND",
  FST_ERR_BAD_URL: "VALIDATION_FAILED",
  FST_ERR_MAX_PARAM_LENGTH: "VALIDATION_FAILED",
};

/** For a client error Fastify or a plugin raised without one of the codes above. */
const STATUS_CODES: Record<number, ErrorCode> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  413: "BODY_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

function body(code: ErrorCode, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details: details ?? null } };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as { statusCode?: unknown }).statusCode === "number";
}

/** What the client is told about an error; pure, so it can be tested without a server. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (isAppError(error)) {
    const status = error.status;
    return { status, body: body(error.code, error.message, error.details), log: status >= 500 ? "warn" : "none" };
  }
  if (isFastifyError(error)) {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[error.code] ?? STATUS_CODES[status] ?? "VALIDATION_FAILED";
      // A body that is not JSON has no field to name; the whole body is the field.
      const details = code === "VALIDATION_FAILED" ? { issues: [{ field: "(root)", message: error.message }] } : null;
      return { status: ERROR_CATALOGUE[code].status, body: body(code, error.message, details), log: "none" };
    }
  }
  if (isStorageFull(error)) return toErrorResponse(storageFullError(error, "the data directory"));
  return { status: 500, body: body("INTERNAL", ERROR_CATALOGUE.INTERNAL.message), log: "error" };
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const response = toErrorResponse(error);
  if (response.log === "error") request.log.error({ err: error }, "request failed");
  else if (response.log === "warn") request.log.warn({ err: error }, "request failed");
  // Serialized here: framework errors arrive before any route (and its serializer) is chosen.
  return reply.code(response.status).type("application/json; charset=utf-8").send(JSON.stringify(response.body));
}

/**
 * For Fastify's `frameworkErrors` option: URLs the router cannot even decode (bad percent
 * escapes, over-long parameters) are answered before routing, so before the error handler.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendError(error, request, reply);
}

/** What answers a request no route matched before it becomes a 404 (the dashboard's page paths); false to pass. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;

/** Installs the error and not-found handlers; call before registering plugins so all inherit them. */
export function registerErrorHandling(app: FastifyInstance, fallback?: NotFoundFallback): void {
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler(async (request, reply) => {
    if (fallback && (await fallback(request, reply))) return;
    throw new AppError("NOT_FOUND", `No route for ${request.method} ${request.url.split("?")[0] ?? ""}.`);
  });
}
