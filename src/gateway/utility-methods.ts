/**
 * The MCP methods the gateway routes besides calls, reads and gets: completion/complete goes to
 * the server whose prompt (by the name the session's view shows) or resource template (by its
 * URI template) it names; resources/subscribe and unsubscribe go to the server that serves the
 * resource, and that server's updates come back to the sessions that subscribed
 * (resource-subscriptions.ts). logging/setLevel is the SDK's own: each session's server keeps its
 * level and filters the log messages the upstream servers send during its requests
 * (call-passthrough.ts); it is not sent upstream, where one session with each server is shared
 * by every client and one client's level would silence another's.
 */
import type { CompleteResult, Server, ServerContext } from "@modelcontextprotocol/server";
import type { CallOptions, CompletionParams, McpManager } from "../mcp/index.js";
import type { GatewayView } from "./profile-view.js";
import type { ResourceSubscriptions } from "./resource-subscriptions.js";
import type { ServerSdk } from "./server-sdk.js";

/** What a server answers for an argument it has nothing to suggest for. */
const NO_COMPLETION: CompleteResult = { completion: { values: [], total: 0, hasMore: false } };

export interface UtilityMethodsDeps {
  sdk: ServerSdk;
  manager: McpManager;
  view: GatewayView;
  subscriptions: ResourceSubscriptions;
  /** Whether the client holds a session (a stateless request has nowhere to be told of updates). */
  inSession: () => boolean;
  /** The upstream options for one of the client's requests (call-passthrough.ts). */
  options: (ctx: ServerContext) => CallOptions;
  /** Runs a request for a server, its failure as the MCP error naming the server. */
  routed: <T>(serverId: string | undefined, run: () => Promise<T>) => Promise<T>;
}

/** The server whose resource template this is, else the one serving the resource of this URI; throws NOT_FOUND. */
async function resourceRefOwner(view: GatewayView, uri: string): Promise<string> {
  const template = (await view.resourceTemplates()).find((candidate) => candidate.uriTemplate === uri);
  const owner = template?._meta?.["pygent/server_id"];
  return typeof owner === "string" ? owner : view.resourceOwner(uri);
}

export function routeUtilityMethods(server: Server, deps: UtilityMethodsDeps): void {
  const { sdk, manager, view, subscriptions, routed } = deps;

  server.setRequestHandler("completion/complete", async (request, ctx) => {
    const { _meta, ref, ...rest } = request.params;
    const target =
      ref.type === "ref/prompt"
        ? await routed(undefined, async () => {
            const prompt = view.prompt(ref.name);
            return { serverId: prompt.serverId, ref: { type: "ref/prompt" as const, name: prompt.name } };
          })
        : { serverId: await routed(undefined, () => resourceRefOwner(view, ref.uri)), ref };
    // A server that does not complete has nothing to suggest, as a server answers for an argument without completions.
    if (!manager.capabilities(target.serverId)?.capabilities.completions) return NO_COMPLETION;
    const params: CompletionParams = { ...rest, ref: target.ref };
    return routed(target.serverId, () => manager.complete(target.serverId, params, deps.options(ctx))) as never;
  });

  server.setRequestHandler("resources/subscribe", async (request) => {
    const { uri } = request.params;
    if (!deps.inSession()) {
      throw new sdk.ProtocolError(sdk.ProtocolErrorCode.InvalidRequest, "resources/subscribe needs a session (Mcp-Session-Id): a stateless request has nowhere to be told of updates");
    }
    const owner = await routed(undefined, () => view.resourceOwner(uri));
    if (!(manager.capabilities(owner)?.capabilities.resources as { subscribe?: unknown } | undefined)?.subscribe) {
      throw new sdk.ProtocolError(sdk.ProtocolErrorCode.MethodNotFound, `server "${owner}" serves ${uri} but does not offer resource subscriptions`, { server_id: owner });
    }
    await routed(owner, () => subscriptions.subscribe(server, owner, uri));
    return {};
  });

  server.setRequestHandler("resources/unsubscribe", async (request) => {
    await routed(undefined, () => subscriptions.unsubscribe(server, request.params.uri));
    return {};
  });
}
