/**
 * The CLI's HTTP client for the daemon's REST API (docs/contracts.md). It owns the one mapping
 * from what can go wrong on the wire — refused connections, timeouts, the API's
 * `{"error":{code,message,details}}` bodies, proxies answering HTML — to an ApiError the
 * commands print, so no command parses a response by hand.
 */
import type http from "node:http";
import type { FieldIssue } from "../core/errors.js";
import { AnswerTimeout, exchange, type HttpAnswer } from "../core/http-exchange.js";

export const DEFAULT_DAEMON_URL = "http://127.0.0.1:8000";

/** An error from the daemon or from reaching it. `code` is a wire code, possibly one this build does not know. */
export class ApiError extends Error {
  readonly code: string;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, message: string, status: number, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** The field problems the API listed in details.issues, if any. */
  get issues(): FieldIssue[] {
    return issuesOf(this.details);
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Reads `details.issues` ([{field, message}]) defensively: the details come from the wire. */
export function issuesOf(details: unknown): FieldIssue[] {
  if (typeof details !== "object" || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((issue): issue is Record<string, unknown> => typeof issue === "object" && issue !== null)
    .map((issue) => ({ field: String(issue.field ?? "(unknown)"), message: String(issue.message ?? "") }));
}

export interface ApiClientOptions {
  baseUrl: string;
  token?: string | undefined;
  /** Per request; 10 s by default. */
  timeoutMs?: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiClient {
  readonly baseUrl: string;
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T = void>(path: string): Promise<T>;
}

/** Connection-level failure codes: the daemon is not there to answer. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

export function unreachableMessage(baseUrl: string): string {
  return `daemon not reachable at ${baseUrl} — start it with \`npm start\` or \`pygent serve\``;
}

/** The base URL without a trailing slash; rejects what is not an http(s) URL before any request. */
export function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError("INVALID_URL", `--url must be an absolute http(s) URL, not "${raw}"`, 0);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ApiError("INVALID_URL", `--url must use http or https, not ${url.protocol.replace(":", "")}`, 0);
  }
  return url.href.replace(/\/+$/, "");
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = normaliseBaseUrl(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const url = new URL(baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";

    let answer: HttpAnswer;
    try {
      answer = await exchange(url, method, headers, body === undefined ? undefined : JSON.stringify(body), timeoutMs);
    } catch (error) {
      throw transportError(error, baseUrl, timeoutMs);
    }
    const { response, text } = answer;
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw responseError(response, text, method, url);
    if (status === 204 || text.trim() === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError("INVALID_RESPONSE", `${method} ${url.pathname} answered ${status} with a body that is not JSON: ${snippet(text)}`, status);
    }
  }

  return {
    baseUrl,
    get: (path, query) => request("GET", path, undefined, query),
    post: (path, body) => request("POST", path, body),
    patch: (path, body) => request("PATCH", path, body),
    delete: (path) => request("DELETE", path),
  };
}

function transportError(error: unknown, baseUrl: string, timeoutMs: number): ApiError {
  if (error instanceof AnswerTimeout) {
    return new ApiError("DAEMON_UNREACHABLE", `daemon at ${baseUrl} did not answer within ${Math.round(timeoutMs / 1000)} s`, 0, { cause: error.name });
  }
  const code = causeCode(error);
  if (code === undefined || UNREACHABLE_CODES.has(code)) {
    return new ApiError("DAEMON_UNREACHABLE", unreachableMessage(baseUrl), 0, code ? { cause: code } : undefined);
  }
  const message = error instanceof Error ? (errorCauseMessage(error) ?? error.message) : String(error);
  return new ApiError("DAEMON_UNREACHABLE", `cannot reach the daemon at ${baseUrl}: ${message}`, 0, { cause: code });
}

/** The system error code, on the error itself or in its `cause` (sometimes nested, or among `errors` when several addresses were tried). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      current = errors[0];
      continue;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorCauseMessage(error: Error): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : undefined;
}

function responseError(response: http.IncomingMessage, text: string, method: string, url: URL): ApiError {
  const status = response.statusCode ?? 0;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === "object" && error !== null) {
    const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
    return new ApiError(
      typeof code === "string" ? code : `HTTP_${status}`,
      typeof message === "string" && message !== "" ? message : `${method} ${url.pathname} failed with HTTP ${status}`,
      status,
      details,
    );
  }
  // Not our API's shape: a proxy, another service on the port, or a crash before the error handler.
  const statusText = response.statusMessage ? ` ${response.statusMessage}` : "";
  const tail = text.trim() ? `: ${snippet(text)}` : "";
  return new ApiError(`HTTP_${status}`, `${method} ${url.pathname} failed with HTTP ${status}${statusText}${tail}`, status);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
