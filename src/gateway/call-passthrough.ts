/**
 * What a gateway client's request carries through to the server that serves it: its
 * cancellation (the SDK aborts the handler's signal on notifications/cancelled), its progress
 * token (the server's progress comes back under it), its log level (the server's log messages
 * come back on the request's stream, those below the level the client set dropped), and its answers to the server's sampling
 * and elicitation requests, asked of this client on this request's stream when it declared the
 * capability, refused with the reason otherwise.
 */
import type { ClientCapabilities, Server, ServerContext } from "@modelcontextprotocol/server";
import type { CallerRef, CallEntry } from "../bus/index.js";
import type { CallOptions, UpstreamRequest } from "../mcp/index.js";
import type { ServerSdk } from "./server-sdk.js";

/**
 * The longest wait the SDK's timer allows: a person may take long to answer an elicitation; the
 * wait ends with the call it belongs to (see InFlightCalls), which the server's request_timeout bounds.
 */
const UNTIL_THE_CALL_ENDS_MS = 2 ** 31 - 1;

/** Who sends the client's requests (the token that opened its session) and through what. */
export type GatewayCaller = CallerRef & { via: CallEntry };

/** What the client lacks to answer `request`, in words; undefined when it can answer. */
function missingCapability(capabilities: ClientCapabilities | undefined, request: UpstreamRequest): string | undefined {
  const { params } = request;
  if (request.method === "sampling/createMessage") {
    const sampling = capabilities?.sampling;
    if (!sampling) return "the sampling capability";
    if ((params.tools !== undefined || params.toolChoice !== undefined) && !sampling.tools) return "sampling with tools (sampling.tools)";
    const context = params.includeContext;
    if (context !== undefined && context !== "none" && !sampling.context) return "sampling with context (sampling.context)";
    return undefined;
  }
  const elicitation = capabilities?.elicitation;
  if (!elicitation) return "the elicitation capability";
  // An empty elicitation capability means form mode (the spec's rule for older clients).
  if (params.mode === "url") return elicitation.url ? undefined : "URL-mode elicitation (elicitation.url)";
  return elicitation.form || !elicitation.url ? undefined : "form-mode elicitation (elicitation.form)";
}

/** The manager's options for the upstream request made for this client's request. */
export function passthroughOptions(sdk: ServerSdk, server: Server, ctx: ServerContext, caller: GatewayCaller): CallOptions {
  const { signal, notify, send, log } = ctx.mcpReq;
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    signal,
    caller,
    onLog: ({ level, data, logger }) => {
      log(level, data, logger).catch(() => undefined);
    },
    ...(progressToken !== undefined
      ? {
          onProgress: (progress) => {
            notify({ method: "notifications/progress", params: { ...progress, progressToken } }).catch(() => undefined);
          },
        }
      : {}),
    onUpstreamRequest: async (request, upstreamSignal) => {
      const missing = missingCapability(server.getClientCapabilities(), request);
      if (missing !== undefined) {
        throw new sdk.ProtocolError(sdk.ProtocolErrorCode.MethodNotFound, `${request.method} refused: the client that made this call through PyGent's gateway did not declare ${missing}`);
      }
      return (await send({ method: request.method, params: request.params }, { signal: upstreamSignal, timeout: UNTIL_THE_CALL_ENDS_MS })) as Record<string, unknown>;
    },
  };
}
