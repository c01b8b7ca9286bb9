/**
 * The MCP gateway: one MCP server face for every running server. Each client session (or each
 * stateless request) gets its own low-level SDK `Server` whose handlers answer lists from the
 * catalog and route calls to the owning server through the MCP Manager, with that server's
 * timeout, the client's cancellation, progress token and answers to the server's sampling and
 * elicitation carried through (call-passthrough.ts), and completions and resource subscriptions
 * go to the owner too (utility-methods.ts); an upstream failure comes back as an MCP error naming
 * the server. Changes of the servers (started, stopped, removed, capabilities
 * changed) reach open sessions as list_changed notifications, debounced. A tool whose definition
 * awaits approval is neither listed nor called (tool-approvals.ts). The transport is the caller's
 * (the API mounts it on HTTP); this domain knows no HTTP.
 */
import { randomUUID } from "node:crypto";
import type { CallToolResult, ProtocolError, Server, Tool } from "@modelcontextprotocol/server";
import type { MessageBus, Unsubscribe } from "../bus/index.js";
import type { GatewayProfile, ToolOverride } from "../config/gateway-profiles-schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { AppError, errorMessage, isAppError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { startsOnCall, type CallOptions, type McpManager } from "../mcp/index.js";
import type { TokenRole, ToolApprovalsRepository } from "../store/index.js";
import { callerRole, createBuiltins, type BuiltinContext } from "./builtin-tools.js";
import { passthroughOptions, type GatewayCaller } from "./call-passthrough.js";
import { createCatalog, type Target } from "./catalog.js";
import type { GatewayStatus } from "./gateway-status.js";
import { DEFAULT_SEPARATOR, idFitsSeparator } from "./names.js";
import { managementBuiltins, type GatewayServices } from "./management-builtins.js";
import { agentBuiltins } from "./agent-builtins.js";
import { ragBuiltins } from "./rag-builtins.js";
import { searchBuiltins } from "./search-builtins.js";
import { createView, FULL_PROFILE, type GatewayView } from "./profile-view.js";
import { keepAnswer } from "./kept-answers.js";
import { gatewayServerClass, loadServerSdk, type ServerSdk } from "./server-sdk.js";
import { clientOf, trackedView, type SessionEntry } from "./session-tracking.js";
import { createToolSearch, type VisibleTools } from "./tool-search.js";
import { createToolApprovals, type ToolApprovals, type ToolApprovalSettings } from "./tool-approvals.js";
import { createResourceSubscriptions } from "./resource-subscriptions.js";
import { routeUtilityMethods } from "./utility-methods.js";

import { GATEWAY_PATH, profilePath } from "./paths.js";

/** The requests that run something on a server, which need more than the right to look. */
export const GATEWAY_CALL_METHODS: ReadonlySet<string> = new Set(["tools/call"]);

export const DEFAULT_NOTIFY_DEBOUNCE_MS = 100;

export interface GatewayDeps {
  manager: McpManager;
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  version: string;
  /** Between a server's id and its tool or prompt name (`gateway.separator`). */
  separator?: string;
  /** How long changes are gathered before clients are told of them. */
  notifyDebounceMs?: number;
  /** What the gateway's own management tools use; a tool whose service is missing is not offered. */
  services?: GatewayServices;
  /** Where approved tool definitions are kept, and the quarantine's settings (`gateway.approve_changes`, ...). */
  approvals: { repository: ToolApprovalsRepository; settings: ToolApprovalSettings };
  /** Named subsets (`gateway.profiles`). */
  profiles?: Readonly<Record<string, GatewayProfile>>;
  /** Per-tool overrides by gateway name (`gateway.tools`). */
  tools?: Readonly<Record<string, ToolOverride>>;
}

export interface Gateway {
  /**
   * A new MCP server for one client: a `session` one stays registered for list_changed
   * notifications and counts in status() until it closes; a stateless one serves one request.
   * Its calls are counted as `caller`'s (the token that opened it, and the entry point). With
   * `profile`, it serves that profile's subset (throws NOT_FOUND for an unknown one); `sessionId`
   * names the session in status() (the transport's id).
   */
  openServer(options: { session: boolean; profile?: string | undefined; sessionId?: string | undefined; caller?: GatewayCaller }): Promise<Server>;
  /** The server and tool a namespaced tool name routes to, or undefined (for the audit log). */
  toolTarget(name: string): { serverId: string; name: string } | undefined;
  /** The role a token needs to connect to a profile; throws NOT_FOUND naming the known profiles. */
  profileRole(profile: string): GatewayProfile["role"];
  /**
   * Replaces the profiles and tool overrides (a config reload): open sessions see the new rules
   * at once and hear of what changed for them; sessions of a profile no longer configured are closed.
   */
  applyConfig(settings: Pick<GatewayDeps, "profiles" | "tools">): void;
  status(): GatewayStatus;
  /** The role and kind of one of the gateway's own tools (which check the caller's role themselves), or undefined for a server's tool. */
  ownTool(name: string): { role: TokenRole; readOnly: boolean } | undefined;
  /** The tool definitions held until an admin approves them, and their approval. */
  approvals: ToolApprovals;
  /** Stops listening to the bus and closes every open session. */
  close(): Promise<void>;
}

/** A caller the API did not name: no token, straight to the gateway. */
const ANONYMOUS_CALLER: GatewayCaller = { id: null, name: "anonymous", via: "gateway" };

/** Which errors are the client's (a name nobody serves) rather than the upstream's. */
const CLIENT_ERRORS = new Set(["TOOL_NOT_FOUND", "NOT_FOUND", "SERVER_NOT_FOUND", "INVALID_ID", "FORBIDDEN", "TOOL_HELD"]);

function toProtocolError(sdk: ServerSdk, error: unknown, serverId: string | undefined): ProtocolError {
  const { ProtocolError, ProtocolErrorCode } = sdk;
  if (error instanceof ProtocolError) return error;
  const code = isAppError(error) ? error.code : "UPSTREAM_FAILED";
  const jsonRpcCode = CLIENT_ERRORS.has(code) ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InternalError;
  // An error raised before the call had a target (a held tool) may name its server itself.
  const named = isAppError(error) ? (error.details as { server_id?: unknown } | undefined)?.server_id : undefined;
  const owner = serverId ?? (typeof named === "string" ? named : undefined);
  return new ProtocolError(jsonRpcCode, errorMessage(error), { code, ...(owner ? { server_id: owner } : {}) });
}

/** The change events after which what the gateway serves may differ. */
const CHANGE_EVENTS = [
  "server_status",
  "server_capabilities",
  "capabilities_changed",
  "server_registered",
  "server_updated",
  "server_removed",
  "tool_approval",
] as const;

export function createGateway(deps: GatewayDeps): Gateway {
  const separator = deps.separator ?? DEFAULT_SEPARATOR;
  const logger = deps.logger.child({ module: "gateway" });
  const { manager } = deps;
  const approvals = createToolApprovals({ ...deps.approvals, manager, bus: deps.bus, clock: deps.clock, logger, separator });
  const catalog = createCatalog({ manager, separator, logger, servedTools: approvals.servable, toolRefusal: approvals.refusal });
  const serverLabels = () =>
    new Map(manager.list().map(({ id, config }) => [id, [...(config.tags ?? []), ...(config.category === undefined ? [] : [config.category])]]));
  let fullView: GatewayView;
  let profiles: Map<string, GatewayView>;
  function build(settings: Pick<GatewayDeps, "profiles" | "tools">): void {
    const viewDeps = { catalog, separator, overrides: settings.tools ?? {}, serverLabels };
    fullView = createView(undefined, FULL_PROFILE, viewDeps);
    profiles = new Map(Object.entries(settings.profiles ?? {}).map(([name, profile]) => [name, createView(name, profile, viewDeps)]));
  }
  build(deps);
  // Until the approved definitions are loaded every tool is held: the lists change once they are.
  void approvals.ready().then(() => catalog.changed());
  const sessions = new Map<Server, SessionEntry>();
  const subscriptions = createResourceSubscriptions({ manager, bus: deps.bus, logger });
  const calls = { total: 0, failed: 0 };
  const serverCalls = new Map<string, { total: number; failed: number }>();
  const services = deps.services ?? {};
  const builtins = createBuiltins(
    [
      ...searchBuiltins(createToolSearch()),
      ...managementBuiltins(manager, services),
      ...(services.rag ? ragBuiltins(services.rag) : []),
      ...(services.requests ? agentBuiltins(services.requests) : []),
    ],
    separator,
  );
  // Counts the changes of what the servers serve: the tool search index is rebuilt only after one.
  let generation = 0;

  function viewOf(profile: string | undefined): GatewayView {
    if (profile === undefined) return fullView;
    const view = profiles.get(profile);
    if (view) return view;
    const known = profiles.size === 0 ? "none is configured (gateway.profiles)" : `known: ${[...profiles.keys()].join(", ")}`;
    throw new AppError("NOT_FOUND", `no gateway profile is named "${profile}"; ${known}`, { profile, known: [...profiles.keys()] });
  }

  const fingerprints = (view: GatewayView) => ({
    tools: JSON.stringify(view.tools()),
    prompts: JSON.stringify(view.prompts()),
    resources: JSON.stringify(view.resources()),
  });
  // What each profile's open sessions (undefined: /mcp's) were last told of; none for one without
  // sessions, so that changes cost nothing then (a daemon with many servers and no gateway client
  // never builds the lists).
  const served = new Map<string | undefined, ReturnType<typeof fingerprints>>();
  let pending: TimerHandle | undefined;
  const scheduleFlush = () => {
    if (served.size > 0) pending ??= deps.clock.setTimeout(flush, deps.notifyDebounceMs ?? DEFAULT_NOTIFY_DEBOUNCE_MS);
  };

  function flush(): void {
    pending = undefined;
    const changes = new Map<string | undefined, Record<"tools" | "prompts" | "resources", boolean>>();
    for (const [profile, before] of served) {
      // A profile just removed: its sessions are closing.
      if (profile !== undefined && !profiles.has(profile)) continue;
      const now = fingerprints(viewOf(profile));
      changes.set(profile, { tools: now.tools !== before.tools, prompts: now.prompts !== before.prompts, resources: now.resources !== before.resources });
      served.set(profile, now);
    }
    for (const [server, { profile }] of sessions) {
      const changed = changes.get(profile);
      if (!changed) continue;
      const send = (list: string, sending: Promise<void>) =>
        sending.catch((error: unknown) => logger.debug({ err: errorMessage(error), list }, "list_changed not delivered"));
      if (changed.tools) void send("tools", server.sendToolListChanged());
      if (changed.prompts) void send("prompts", server.sendPromptListChanged());
      if (changed.resources) void send("resources", server.sendResourceListChanged());
    }
  }

  const unsubscribe: Unsubscribe[] = CHANGE_EVENTS.map((type) =>
    deps.bus.subscribe(type, (event) => {
      generation += 1;
      if (event.type === "server_removed") serverCalls.delete(event.server_id);
      catalog.changed();
      if (event.type !== "server_status" || event.state === "running" || event.previous === "running") catalog.forgetTemplates(event.server_id);
      scheduleFlush();
    }),
  );

  /** The tools a session's own search and call by name work over: its view's, its mode aside. */
  const searchable = (view: GatewayView): VisibleTools => ({ list: () => view.searchable(), key: () => `${view.profile ?? ""}:${generation}` });

  /** Each profile's (undefined: /mcp's) last tools/list answer and the view's list it was made from. */
  const toolLists = new Map<string | undefined, { from: Tool[]; answer: { tools: Tool[] } }>();

  /** The view's tools/list answer: the same object, JSON text kept, while its list is the same. */
  function toolList(view: GatewayView): { tools: Tool[] } {
    const tools = view.tools();
    const last = toolLists.get(view.profile);
    if (last?.from === tools) return last.answer;
    const answer = keepAnswer({ tools: [...tools, ...builtins.definitions().filter((tool) => view.offersOwn(tool.name))] });
    toolLists.set(view.profile, { from: tools, answer });
    return answer;
  }

  /** Routes a call to the server that owns the tool; throws what the server threw. */
  async function callTarget({ serverId, name }: Target, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    let counted = serverCalls.get(serverId);
    if (!counted) serverCalls.set(serverId, (counted = { total: 0, failed: 0 }));
    counted.total += 1;
    let result;
    try {
      result = await manager.callTool(serverId, name, args, options);
    } catch (error) {
      counted.failed += 1;
      throw error;
    }
    if (result.is_error) counted.failed += 1;
    return {
      content: result.content as never,
      ...(result.structured_content !== undefined ? { structuredContent: result.structured_content as Record<string, unknown> } : {}),
      ...(result.is_error ? { isError: true } : {}),
    };
  }

  function createServer(sdk: ServerSdk, view: GatewayView, caller: GatewayCaller): Server {
    const routed = async <T>(serverId: string | undefined, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        throw toProtocolError(sdk, error, serverId);
      }
    };
    const server = new (gatewayServerClass(sdk))(
      { name: "pygent-gateway", version: deps.version },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { listChanged: true, subscribe: true },
          prompts: { listChanged: true },
          logging: {},
          completions: {},
        },
        instructions: view.instructions,
      },
    );
    server.setRequestHandler("tools/list", () => toolList(view));
    server.setRequestHandler("prompts/list", () => ({ prompts: view.prompts() }));
    server.setRequestHandler("resources/list", () => ({ resources: view.resources() }));
    server.setRequestHandler("resources/templates/list", async () => ({ resourceTemplates: await view.resourceTemplates() }));

    server.setRequestHandler("tools/call", async (request, ctx) => {
      calls.total += 1;
      const { name } = request.params;
      const args = request.params.arguments ?? {};
      let target: Target | undefined;
      try {
        let result: CallToolResult;
        const options = passthroughOptions(sdk, server, ctx, caller);
        if (builtins.find(name) && view.offersOwn(name)) {
          const context: BuiltinContext = {
            caller: caller.name,
            visible: searchable(view),
            callTool: (called, calledArgs) => callTarget(view.tool(called), calledArgs, options),
          };
          result = await builtins.call(name, args, callerRole(ctx.http?.authInfo), context);
        } else {
          target = view.tool(name);
          result = await callTarget(target, args, options);
        }
        if (result.isError) calls.failed += 1;
        return result;
      } catch (error) {
        calls.failed += 1;
        throw toProtocolError(sdk, error, target?.serverId);
      }
    });

    server.setRequestHandler("prompts/get", async (request, ctx) => {
      const target = await routed(undefined, async () => view.prompt(request.params.name));
      const options = passthroughOptions(sdk, server, ctx, caller);
      return routed(target.serverId, () => manager.getPrompt(target.serverId, target.name, request.params.arguments ?? {}, options)) as never;
    });

    server.setRequestHandler("resources/read", async (request, ctx) => {
      const { uri } = request.params;
      const owner = await routed(undefined, () => view.resourceOwner(uri));
      return routed(owner, () => manager.readResource(owner, uri, passthroughOptions(sdk, server, ctx, caller))) as never;
    });
    routeUtilityMethods(server, {
      sdk,
      manager,
      view,
      subscriptions,
      inSession: () => sessions.has(server),
      options: (ctx) => passthroughOptions(sdk, server, ctx, caller),
      routed,
    });
    return server;
  }

  return {
    async openServer({ session, profile, sessionId, caller = ANONYMOUS_CALLER }) {
      const view = viewOf(profile);
      await approvals.ready();
      const sdk = await loadServerSdk();
      if (!session) return createServer(sdk, view, caller);
      const at = deps.clock.now();
      const entry: SessionEntry = { id: sessionId ?? randomUUID(), profile, opened_at: at, last_activity_at: at, calls: 0 };
      const server = createServer(sdk, trackedView(() => viewOf(profile), entry, deps.clock), caller);
      if (!served.has(profile)) served.set(profile, fingerprints(view));
      sessions.set(server, entry);
      server.onclose = () => {
        sessions.delete(server);
        subscriptions.forget(server);
        if (![...sessions.values()].some((other) => other.profile === profile)) served.delete(profile);
      };
      return server;
    },

    toolTarget(name) {
      try {
        return catalog.tool(name);
      } catch {
        return undefined;
      }
    },

    profileRole: (profile) => viewOf(profile).role,

    applyConfig(settings) {
      build(settings);
      toolLists.clear();
      generation += 1;
      for (const [server, entry] of sessions) {
        if (entry.profile !== undefined && !profiles.has(entry.profile)) {
          void server.close().catch((error: unknown) => logger.debug({ err: errorMessage(error), profile: entry.profile }, "session of a removed profile not closed"));
        }
      }
      scheduleFlush();
    },

    status() {
      const running = manager.list().filter((server) => server.state === "running" || startsOnCall(server));
      return {
        path: GATEWAY_PATH,
        separator,
        sessions: sessions.size,
        servers: running.filter((server) => idFitsSeparator(server.id, separator)).length,
        tools: fullView.tools().length,
        prompts: fullView.prompts().length,
        resources: fullView.resources().length,
        excluded_servers: running.filter((server) => !idFitsSeparator(server.id, separator)).map((server) => server.id),
        calls: { ...calls },
        server_calls: [...serverCalls]
          .map(([server_id, counted]) => ({ server_id, ...counted }))
          .sort((a, b) => b.total - a.total || a.server_id.localeCompare(b.server_id)),
        awaiting_approval: approvals.heldCount(),
        profiles: [...profiles].map(([name, view]) => ({
          name,
          path: profilePath(name),
          role: view.role,
          tools: view.tools().length,
          sessions: [...sessions.values()].filter((entry) => entry.profile === name).length,
          missing_servers: view.missingServers(),
        })),
        clients: [...sessions].map(([server, entry]) => ({
          session_id: entry.id,
          profile: entry.profile ?? null,
          client: clientOf(server),
          opened_at: entry.opened_at,
          last_activity_at: entry.last_activity_at,
          calls: entry.calls,
        })),
      };
    },

    ownTool(name) {
      const tool = builtins.find(name);
      return tool && { role: tool.role, readOnly: tool.readOnly };
    },

    approvals,

    async close() {
      for (const stop of unsubscribe) stop();
      approvals.close();
      subscriptions.close();
      deps.clock.clearTimeout(pending);
      pending = undefined;
      await Promise.all([...sessions.keys()].map((server) => server.close().catch(() => undefined)));
      sessions.clear();
    },
  };
}
