/**
 * The fetch the remote transports (SSE and Streamable HTTP) send every request with: it trusts
 * the server's own CA bundle besides the default ones, checks each URL against the network
 * policy, and turns fetch's opaque "fetch failed" into what actually failed.
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import type { Agent, fetch as undiciFetch } from "undici";
import { guardedFetch, type FetchLike, type UrlGuard } from "./url-policy.js";

const MAX_CAUSE_DEPTH = 8;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function ownMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A connection to a host with several addresses fails with one error per address.
  if (error.message === "" && error instanceof AggregateError) return error.errors.map(ownMessage).join(", ");
  return error.message;
}

/**
 * A failed request in words, read through its `cause` chain, where fetch keeps the socket or
 * TLS error and its code: `fetch failed: connect ECONNREFUSED 127.0.0.1:1234 (ECONNREFUSED)`.
 */
function describeFetchFailure(error: unknown): string {
  const messages: string[] = [];
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < MAX_CAUSE_DEPTH; depth++) {
    const message = ownMessage(current);
    if (message !== "" && !messages.includes(message)) messages.push(message);
    code ??= codeOf(current) ?? (current instanceof AggregateError ? current.errors.map(codeOf).find((found) => found !== undefined) : undefined);
    current = (current as { cause?: unknown }).cause;
  }
  const text = messages.join(": ");
  return code === undefined || text.includes(`(${code})`) ? text : `${text} (${code})`;
}

/**
 * A request that failed before an answer came, with the whole story in its message and the
 * underlying code on it. It has no `cause`: the SSE transport flattens a cause chain into its
 * message and would repeat every line.
 */
class RemoteRequestError extends TypeError {
  override readonly name = "RemoteRequestError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function underlyingCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < MAX_CAUSE_DEPTH; depth++) {
    const code = codeOf(current);
    if (code !== undefined) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * fetch with the server's CA bundle trusted as well as the default ones. undici (a large module)
 * is loaded at the first request of a server that needs it, never at the daemon's start.
 */
function fetchTrusting(caFile: string): FetchLike {
  const ca = [...rootCertificates, readFileSync(caFile, "utf8")];
  let client: Promise<{ fetch: typeof undiciFetch; dispatcher: Agent }> | undefined;
  return async (url, init) => {
    client ??= import("undici").then(({ Agent, fetch }) => ({ fetch, dispatcher: new Agent({ connect: { ca } }) }));
    const { fetch, dispatcher } = await client;
    return fetch(url, { ...(init as Parameters<typeof fetch>[1]), dispatcher }) as unknown as Promise<Response>;
  };
}

export interface RemoteFetchOptions {
  /** A PEM file of CAs to trust for this server, besides the default ones. */
  caFile?: string | undefined;
  /** Checks each request's URL (the network policy). */
  urlGuard?: UrlGuard | undefined;
}

export function remoteFetch({ caFile, urlGuard }: RemoteFetchOptions): FetchLike {
  const base = caFile === undefined ? fetch : fetchTrusting(caFile);
  const guarded = urlGuard ? guardedFetch(urlGuard, base) : base;
  return async (url, init) => {
    try {
      return await guarded(url, init);
    } catch (error) {
      // fetch's network failures are TypeErrors with a cause; an abort or a policy refusal passes as it is.
      if (!(error instanceof TypeError) || error.cause === undefined) throw error;
      throw new RemoteRequestError(describeFetchFailure(error), underlyingCode(error));
    }
  };
}
