/**
 * The requests the daemon has in flight on one server's session, so that a sampling or
 * elicitation request the server sends while serving one of them reaches the caller that made it.
 *
 * The MCP revisions the SDK client speaks put nothing on the wire that ties such a request to the
 * request it serves: stdio is one channel, and the SDK's HTTP client transports do not tell on
 * which request's stream it came. So the caller is known only while exactly one request is in
 * flight on the session; with several, the server's request is refused, never guessed (a guess
 * could show one user's conversation to another user's client). A log message the server sends
 * (notifications/message) goes by the same rule to the caller of the one request in flight, and
 * is dropped otherwise.
 */
import type { CallOptions, ServerLogMessage, UpstreamRequest } from "./manager-types.js";

/** JSON-RPC codes the refusal goes to the server with. */
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;

/** A refusal of the server's request; the SDK answers the server with `code` and the message. */
export class UpstreamRequestRefused extends Error {
  override readonly name = "UpstreamRequestRefused";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Answerer = NonNullable<CallOptions["onUpstreamRequest"]>;

/** `ended` is made only when a server's request is handed over: most calls never need one. */
type InFlight = { answerer: Answerer | undefined; onLog: CallOptions["onLog"]; ended?: AbortController };

export const UPSTREAM_REQUEST_METHODS = ["sampling/createMessage", "elicitation/create"] as const;

export class InFlightCalls {
  private readonly calls = new Set<InFlight>();

  constructor(private readonly serverId: string) {}

  /** Counts a request as in flight until the returned function is called. */
  enter({ onUpstreamRequest, onLog }: CallOptions): () => void {
    const call: InFlight = { answerer: onUpstreamRequest, onLog };
    this.calls.add(call);
    return () => {
      this.calls.delete(call);
      call.ended?.abort();
    };
  }

  /** Hands a log message of the server to the caller of the one request in flight, if there is exactly one. */
  log(message: ServerLogMessage): void {
    const [only, ...others] = this.calls;
    if (others.length === 0) only?.onLog?.(message);
  }

  /**
   * Hands the server's request to the caller of the one request in flight, or refuses it saying
   * why. The caller's signal aborts when the server gives up on its request or the request it
   * belongs to ends (answered, timed out, cancelled), so nothing waits on a client after that.
   */
  async answer(request: UpstreamRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    const { method } = request;
    const [only, ...others] = this.calls;
    if (only === undefined) {
      throw new UpstreamRequestRefused(INVALID_REQUEST, `${method} refused: PyGent has no request in flight on server "${this.serverId}" it could belong to`);
    }
    if (others.length > 0) {
      throw new UpstreamRequestRefused(
        INVALID_REQUEST,
        `${method} refused: ${this.calls.size} requests are in flight on server "${this.serverId}" and MCP does not say which one this belongs to, ` +
          "so PyGent cannot tell whose client should answer it",
      );
    }
    if (only.answerer === undefined) {
      throw new UpstreamRequestRefused(METHOD_NOT_FOUND, `${method} refused: the caller of the request it belongs to (PyGent's REST API or the daemon itself) cannot answer it`);
    }
    only.ended ??= new AbortController();
    return only.answerer(request, AbortSignal.any([signal, only.ended.signal]));
  }
}
