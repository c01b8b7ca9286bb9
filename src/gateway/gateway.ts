/**
 * The MCP gateway: one MCP server face for every running server. Each client session (or each
 * stateless request) gets its own low-level SDK `Server` whose handlers answer lists from the
 * catalog and route calls to the owning server through the MCP Manager, with that server's
 * timeout, the client's cancellation, progress token and answers to the server's sampling and
 * elicitation carried through (call-passthrough.ts); an upstream failure comes back as an MCP
 * error naming the server. Changes of the servers (started, stopped, removed, capabilities
 * changed) reach open sessions as list_changed notifications, debounced. The transport is the
 * caller's (the API mounts it on HTTP); this domain knows no HTTP.
 */
import type { ProtocolError, Server } from "@modelcontextprotocol/server";
import type { MessageBus, Unsubscribe } from "../bus/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage, isAppError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { McpManager } from "../mcp/index.js";
import { passthroughOptions, type GatewayCaller } from "./call-passthrough.js";
import { createCatalog } from "./catalog.js";
import type { GatewayStatus } from "./gateway-status.js";
import { DEFAULT_SEPARATOR, idFitsSeparator } from "./names.js";
import { loadServerSdk, type ServerSdk } from "./server-sdk.js";

/** Where the API serves the gateway. */
export const GATEWAY_PATH = "/mcp";

/** The header `pygent mcp` sends, so that its calls are counted as the relay's, not the gateway's. */
export const GATEWAY_RELAY_HEADER = "x-pygent-relay";

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
}

export interface Gateway {
  /**
   * A new MCP server for one client: a `session` one stays registered for list_changed
   * notifications and counts in status() until it closes; a stateless one serves one request.
   * Its calls are counted as `caller`'s (the token that opened it, and the entry point).
   */
  openServer(options: { session: boolean; caller?: GatewayCaller }): Promise<Server>;
  /** The server and tool a namespaced tool name routes to, or undefined (for the audit log). */
  toolTarget(name: string): { serverId: string; name: string } | undefined;
  status(): GatewayStatus;
  /** Stops listening to the bus and closes every open session. */
  close(): Promise<void>;
}

/** A caller the API did not name: no token, straight to the gateway. */
const ANONYMOUS_CALLER: GatewayCaller = { id: null, name: "anonymous", via: "gateway" };

/** Which errors are the client's (a name nobody serves) rather than the upstream's. */
const CLIENT_ERRORS = new Set(["TOOL_NOT_FOUND", "NOT_FOUND", "SERVER_NOT_FOUND", "INVALID_ID"]);

function toProtocolError(sdk: ServerSdk, error: unknown, serverId: string | undefined): ProtocolError {
  const { ProtocolError, ProtocolErrorCode } = sdk;
  if (error instanceof ProtocolError) return error;
  const code = isAppError(error) ? error.code : "UPSTREAM_FAILED";
  const jsonRpcCode = CLIENT_ERRORS.has(code) ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InternalError;
  return new ProtocolError(jsonRpcCode, errorMessage(error), { code, ...(serverId ? { server_id: serverId } : {}) });
}

/** The change events after which what the gateway serves may differ. */
const CHANGE_EVENTS = ["server_status", "server_capabilities", "capabilities_changed", "server_removed"] as const;

export function createGateway(deps: GatewayDeps): Gateway {
  const separator = deps.separator ?? DEFAULT_SEPARATOR;
  const logger = deps.logger.child({ module: "gateway" });
  const { manager } = deps;
  const catalog = createCatalog({ manager, separator, logger });
  const sessions = new Set<Server>();
  const calls = { total: 0, failed: 0 };

  const fingerprints = () => ({
    tools: JSON.stringify(catalog.tools()),
    prompts: JSON.stringify(catalog.prompts()),
    resources: JSON.stringify(catalog.resources()),
  });
  // What open sessions were last told of; none while no session is open, so that changes cost
  // nothing then (a daemon with many servers and no gateway client never builds the lists).
  let served: ReturnType<typeof fingerprints> | undefined;
  let pending: TimerHandle | undefined;

  function flush(): void {
    pending = undefined;
    if (served === undefined) return;
    const now = fingerprints();
    const changed = {
      tools: now.tools !== served.tools,
      prompts: now.prompts !== served.prompts,
      resources: now.resources !== served.resources,
    };
    served = now;
    for (const server of sessions) {
      const send = (list: string, sending: Promise<void>) =>
        sending.catch((error: unknown) => logger.debug({ err: errorMessage(error), list }, "list_changed not delivered"));
      if (changed.tools) void send("tools", server.sendToolListChanged());
      if (changed.prompts) void send("prompts", server.sendPromptListChanged());
      if (changed.resources) void send("resources", server.sendResourceListChanged());
    }
  }

  const unsubscribe: Unsubscribe[] = CHANGE_EVENTS.map((type) =>
    deps.bus.subscribe(type, (event) => {
      if (event.type !== "server_status" || event.state === "running" || event.previous === "running") catalog.forgetTemplates(event.server_id);
      if (served !== undefined) pending ??= deps.clock.setTimeout(flush, deps.notifyDebounceMs ?? DEFAULT_NOTIFY_DEBOUNCE_MS);
    }),
  );

  function createServer(sdk: ServerSdk, caller: GatewayCaller): Server {
    const routed = async <T>(serverId: string | undefined, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        throw toProtocolError(sdk, error, serverId);
      }
    };
    const server = new sdk.Server(
      { name: "pygent-gateway", version: deps.version },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { listChanged: true },
          prompts: { listChanged: true },
        },
        instructions: `Tools and prompts of every server PyGent runs, named <server_id>${separator}<name>.`,
      },
    );
    server.setRequestHandler("tools/list", () => ({ tools: catalog.tools() }));
    server.setRequestHandler("prompts/list", () => ({ prompts: catalog.prompts() }));
    server.setRequestHandler("resources/list", () => ({ resources: catalog.resources() }));
    server.setRequestHandler("resources/templates/list", async () => ({ resourceTemplates: await catalog.resourceTemplates() }));

    server.setRequestHandler("tools/call", async (request, ctx) => {
      calls.total += 1;
      let target: { serverId: string; name: string } | undefined;
      try {
        target = catalog.tool(request.params.name);
        const { serverId, name } = target;
        const result = await manager.callTool(serverId, name, request.params.arguments ?? {}, passthroughOptions(sdk, server, ctx, caller));
        if (result.is_error) calls.failed += 1;
        return {
          content: result.content as never,
          ...(result.structured_content !== undefined ? { structuredContent: result.structured_content as Record<string, unknown> } : {}),
          ...(result.is_error ? { isError: true } : {}),
        };
      } catch (error) {
        calls.failed += 1;
        throw toProtocolError(sdk, error, target?.serverId);
      }
    });

    server.setRequestHandler("prompts/get", async (request, ctx) => {
      const target = await routed(undefined, async () => catalog.prompt(request.params.name));
      const options = passthroughOptions(sdk, server, ctx, caller);
      return routed(target.serverId, () => manager.getPrompt(target.serverId, target.name, request.params.arguments ?? {}, options)) as never;
    });

    server.setRequestHandler("resources/read", async (request, ctx) => {
      const { uri } = request.params;
      const owner = await routed(undefined, () => catalog.resourceOwner(uri));
      return routed(owner, () => manager.readResource(owner, uri, passthroughOptions(sdk, server, ctx, caller))) as never;
    });
    return server;
  }

  return {
    async openServer({ session, caller = ANONYMOUS_CALLER }) {
      const server = createServer(await loadServerSdk(), caller);
      if (session) {
        served ??= fingerprints();
        sessions.add(server);
        server.onclose = () => {
          sessions.delete(server);
          if (sessions.size === 0) served = undefined;
        };
      }
      return server;
    },

    toolTarget(name) {
      try {
        return catalog.tool(name);
      } catch {
        return undefined;
      }
    },

    status() {
      const running = manager.list().filter((server) => server.state === "running");
      return {
        path: GATEWAY_PATH,
        separator,
        sessions: sessions.size,
        servers: running.filter((server) => idFitsSeparator(server.id, separator)).length,
        tools: catalog.tools().length,
        prompts: catalog.prompts().length,
        resources: catalog.resources().length,
        excluded_servers: running.filter((server) => !idFitsSeparator(server.id, separator)).map((server) => server.id),
        calls: { ...calls },
      };
    },

    async close() {
      for (const stop of unsubscribe) stop();
      deps.clock.clearTimeout(pending);
      pending = undefined;
      await Promise.all([...sessions].map((server) => server.close().catch(() => undefined)));
      sessions.clear();
    },
  };
}

