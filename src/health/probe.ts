/**
 * The probe contract: one small interface per way of looking at a server. A check runs every
 * probe that applies to the server and merges their readings; each implementation is one file
 * (mcp-probe.ts, process-probe.ts).
 */
import type { CapabilitySnapshot } from "../bus/events.js";
import type { Clock } from "../core/clock.js";
import { errorMessage, isAppError } from "../core/errors.js";
import type { ServerView } from "../mcp/manager-types.js";

export interface ProbeReading {
  response_time_ms?: number;
  /** How response_time_ms was measured: an MCP ping, or tools/list for servers without ping. */
  response_method?: "ping" | "list";
  cpu_percent?: number;
  memory_mb?: number;
  /** The server's tools, resources and prompts as listed during the check, for drift detection. */
  capabilities?: CapabilitySnapshot;
}

export interface HealthProbe {
  readonly name: string;
  /** A failure of an essential probe fails the check; a non-essential one only loses its figures. */
  readonly essential: boolean;
  appliesTo(server: ServerView): boolean;
  /** Rejects when the server does not answer within `timeoutMs` or answers with an error. */
  run(server: ServerView, timeoutMs: number): Promise<ProbeReading>;
  /** Drops what the probe keeps about a server that went away. */
  forget(serverId: string): void;
}

/**
 * Rejects with "<what> timed out after N s" unless the work settles first, and then aborts the
 * signal it gave the work, so that the request itself is cancelled rather than left running.
 */
export function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, clock: Clock, what: string): Promise<T> {
  const abort = new AbortController();
  const promise = work(abort.signal);
  const timedOut = () => new Error(`${what} timed out after ${timeoutMs / 1000} s`);
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      const error = timedOut();
      reject(error);
      abort.abort(error);
    }, timeoutMs);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        // The work may be given the same deadline (the SDK's request timeout) and reach it first:
        // the same event, told in the same words.
        if (isRequestTimeout(error)) reject(timedOut());
        else reject(error instanceof Error ? error : new Error(errorMessage(error)));
      },
    );
  });
}

/** The MCP SDK's own request timeout (`SdkError` with code `REQUEST_TIMEOUT`). */
function isRequestTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "REQUEST_TIMEOUT";
}

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/**
 * Whether an error means nothing answered at all (the server is gone or the address is dead)
 * rather than a slow or failing answer. Looks through `cause` chains, where fetch keeps the
 * socket error.
 */
export function isUnreachable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isAppError(current) && current.code === "SERVER_NOT_RUNNING") return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
    const message = errorMessage(current);
    if (/connection closed|fetch failed|ECONNREFUSED|socket hang up/i.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** JSON-RPC "method not found": the server does not implement ping. */
export function isMethodNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === -32601;
}
