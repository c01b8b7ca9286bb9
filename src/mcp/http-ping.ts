/**
 * A health check's ping to a Streamable HTTP server, sent without the SDK client's machinery:
 * one keep-alive POST through node:http, the answer read as JSON or as an SSE stream. Through the
 * SDK a ping costs about six times the CPU (fetch, web streams, schema parsing of every message),
 * and a daemon checking a thousand endpoints every few seconds spends most of its time there.
 *
 * Only the answer "pong" is taken here. Anything else — an HTTP error status (an expired session
 * answers 404), a refused connection, a URL the network policy now refuses, a redirect, an answer
 * it cannot read — is handed back as `false`, and the caller pings again through the SDK, whose
 * error handling tells a lost session from a failing server: one place decides that, not two.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import type { UrlGuard } from "./url-policy.js";

/** Larger answers to a ping are not read: a server that sends them is pinged through the SDK. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** How long an SSE answer's stream may stay open after the answer before its socket is dropped. */
const STREAM_END_GRACE_MS = 1000;

/** What the session the SDK opened says about itself, read at each ping. */
export interface SessionHeaders {
  readonly sessionId: string | undefined;
  readonly protocolVersion: string | undefined;
}

export interface PingControl {
  timeout: number;
  signal?: AbortSignal;
}

/** The SDK's words for its own request timeout, so that both paths fail alike (see health/probe.ts). */
class PingTimeout extends Error {
  override readonly name = "PingTimeout";
  readonly code = "REQUEST_TIMEOUT";
  constructor(timeoutMs: number) {
    super(`Request timed out after ${timeoutMs} ms`);
  }
}

/** A JSON-RPC error the server answered the ping with (e.g. -32601, method not found). */
class PingRefused extends Error {
  override readonly name = "PingRefused";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Kept-alive sockets shared by every server's pings; a server with its own CA bundle has its own. */
const plainAgent = new http.Agent({ keepAlive: true });
const tlsAgent = new https.Agent({ keepAlive: true });

/**
 * Pings before the 2026 protocol revision go bare; a later one wraps every request in an
 * envelope of metadata, which only the SDK writes.
 */
export function leanPingSpeaks(protocolVersion: string | undefined): boolean {
  return protocolVersion !== undefined && protocolVersion < "2026";
}

/** The JSON-RPC message with the ping's id in a JSON body or an SSE stream, or undefined. */
function answerIn(text: string, sse: boolean, id: string): { error?: { code?: unknown; message?: unknown } } | undefined {
  const candidates = sse
    ? text
        .split(/\r?\n\r?\n/)
        .map((event) =>
          event
            .split(/\r?\n/)
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
            .join("\n"),
        )
        .filter((data) => data !== "")
    : [text];
  for (const candidate of candidates) {
    let message: unknown;
    try {
      message = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof message === "object" && message !== null && (message as { id?: unknown }).id === id) return message as { error?: { code?: unknown; message?: unknown } };
  }
  return undefined;
}

let nextId = 0;

export class HttpPing {
  private readonly agent: http.Agent;
  /** The agent of a server's own CA bundle, read now as its fetch reads it (remote-fetch.ts). */
  private readonly ownAgent: https.Agent | undefined;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly session: SessionHeaders,
    caFile: string | undefined,
    private readonly urlGuard: UrlGuard | undefined,
  ) {
    const secure = url.protocol === "https:";
    this.ownAgent = secure && caFile !== undefined ? new https.Agent({ keepAlive: true, ca: [...rootCertificates, readFileSync(caFile, "utf8")] }) : undefined;
    this.agent = this.ownAgent ?? (secure ? tlsAgent : plainAgent);
  }

  /** Drops the sockets of the server's own agent; the shared ones stay for other servers. */
  close(): void {
    this.ownAgent?.destroy();
  }

  /** True when the server answered the ping; false when the SDK should try (see the top). */
  async ping({ timeout, signal }: PingControl): Promise<boolean> {
    const { sessionId, protocolVersion } = this.session;
    if (!leanPingSpeaks(protocolVersion)) return false;
    signal?.throwIfAborted();
    try {
      await this.urlGuard?.(this.url);
    } catch {
      // The SDK's request meets the same refusal, and a refused URL ends the session there.
      return false;
    }
    const id = `pygent-ping-${++nextId}`;
    const headers: Record<string, string> = {
      ...this.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": protocolVersion!,
      ...(sessionId ? { "mcp-session-id": sessionId } : {}),
    };
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        outcome();
      };
      const client = this.url.protocol === "https:" ? https : http;
      const request = client.request(this.url, { method: "POST", agent: this.agent, headers }, (response) => {
        const type = response.headers["content-type"] ?? "";
        const sse = type.startsWith("text/event-stream");
        if (response.statusCode !== 200 || !(sse || type.startsWith("application/json"))) {
          response.resume();
          settle(() => resolve(false));
          return;
        }
        response.setEncoding("utf8");
        let text = "";
        const conclude = (answer: ReturnType<typeof answerIn>) => {
          if (!answer) settle(() => resolve(false));
          else if (answer.error) settle(() => reject(new PingRefused(Number(answer.error!.code), String(answer.error!.message ?? "ping refused"))));
          else settle(() => resolve(true));
        };
        response.on("data", (chunk: string) => {
          text += chunk;
          if (text.length > MAX_ANSWER_BYTES) {
            response.destroy();
            settle(() => resolve(false));
            return;
          }
          // A server should end the stream after the answer; one that keeps it open loses the socket.
          const answer = sse ? answerIn(text, true, id) : undefined;
          if (answer) {
            conclude(answer);
            setTimeout(() => {
              if (!response.complete) response.destroy();
            }, STREAM_END_GRACE_MS).unref();
          }
        });
        response.on("end", () => conclude(answerIn(text, sse, id)));
        response.on("error", () => settle(() => resolve(false)));
      });
      const timer = setTimeout(() => {
        request.destroy();
        settle(() => reject(new PingTimeout(timeout)));
      }, timeout);
      timer.unref();
      const onAbort = () => {
        request.destroy();
        settle(() => reject(signal!.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      request.on("error", () => settle(() => resolve(false)));
      request.end(JSON.stringify({ jsonrpc: "2.0", id, method: "ping" }));
    });
  }
}
