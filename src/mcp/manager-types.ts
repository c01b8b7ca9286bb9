/**
 * The public face of the MCP Manager: what the API, the CLI and later domains (health, alerts,
 * discovery, the gateway) may ask of it. Nothing outside src/mcp reaches further in.
 */
import type { CompleteRequestParams, LoggingMessageNotificationParams } from "@modelcontextprotocol/client";
import type { CallEntry, CallerRef, CapabilitySnapshot, ServerState } from "../bus/events.js";
import type { ServerConfig } from "../config/schema.js";
import type { ServerEventRecord } from "../store/server-events-repository.js";
import type { NetworkPolicy } from "./url-policy.js";

export type ServerSource = "config" | "api";

/** What the API shows about one server. */
export interface ServerView {
  id: string;
  name: string;
  transport: ServerConfig["transport"];
  category: string | null;
  description: string | null;
  source: ServerSource;
  enabled: boolean;
  state: ServerState;
  /** Why the server is in this state (exit code, missing command, crash loop, ...). */
  reason: string | null;
  pid: number | null;
  restarts: number;
  /** When the current run reached `running`, ms since the epoch. */
  started_at: number | null;
  /** When the next restart attempt is due, in `backoff`. */
  next_restart_at: number | null;
  tools_count: number | null;
  config: ServerConfig;
}

export interface LogLine {
  stream: "stderr" | "stdout" | "daemon";
  line: string;
  at: number;
}

export interface ToolCallResult {
  content: unknown[];
  structured_content?: unknown;
  is_error: boolean;
  duration_ms: number;
}

/** A resource template a server serves, in the domain's words. */
export interface ResourceTemplateSummary {
  uri_template: string;
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  mime_type?: string | undefined;
}

/** What a server answered to a resources/read or a prompts/get, passed on as it came. */
export type UpstreamResult = Record<string, unknown>;

/** The seed's register_server(server_id, config, auto_restart, health_check_interval). */
export interface RegisterOptions {
  auto_restart?: boolean;
  health_check_interval?: number;
  /** Start it now (the default) or leave it stopped. */
  start?: boolean;
}

/** How a caller bounds a request to a server: the SDK cancels it on the signal or the timeout. */
export interface RequestControl {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Progress a server reports on a request, as MCP's notifications/progress carries it (token aside). */
export interface CallProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** What a server may ask of the caller while it serves the caller's request. */
export type UpstreamRequestMethod = "sampling/createMessage" | "elicitation/create";

/** A log message a server sent (notifications/message), as MCP carries it. */
export type ServerLogMessage = LoggingMessageNotificationParams;

/** What a caller asks a server to complete: an argument of a prompt (`ref/prompt`) or of a resource template (`ref/resource`). */
export type CompletionParams = CompleteRequestParams;

export interface UpstreamRequest {
  method: UpstreamRequestMethod;
  params: Record<string, unknown>;
}

/**
 * How a caller takes part in a tools/call, prompts/get or resources/read beyond its answer. One
 * path for every entry point (REST, the gateway, `pygent mcp`): the server's request_timeout
 * bounds the whole request, progress included.
 */
export interface CallOptions {
  /** Aborting it cancels the request on the server (notifications/cancelled). */
  signal?: AbortSignal | undefined;
  /** Given, the request carries a progress token and the server's progress comes here. */
  onProgress?: ((progress: CallProgress) => void) | undefined;
  /**
   * Answers a sampling or elicitation request the server makes while serving this request; the
   * signal aborts when the server gives up on it. Without it, such a request is refused.
   */
  onUpstreamRequest?: ((request: UpstreamRequest, signal: AbortSignal) => Promise<Record<string, unknown>>) | undefined;
  /** Log messages the server sends while serving this request come here, as its sampling requests do (see in-flight-calls.ts). */
  onLog?: ((message: ServerLogMessage) => void) | undefined;
  /** Who called and through what; a caller inside the daemon ("local", internal) by default. */
  caller?: (CallerRef & { via: CallEntry }) | undefined;
}

export interface McpManager {
  /**
   * This daemon run's random id. Every child it spawns carries it in its environment
   * (INSTANCE_ENV) next to a process_groups record, so the next run can end exactly those.
   */
  readonly daemonInstance: string;
  /**
   * Ends the processes a killed daemon left behind and registers the API-registered servers
   * kept in the store, without starting anything; once only. start() does it first if not done.
   */
  prepare(): Promise<void>;
  /** Starts every enabled server (after prepare()). */
  start(): Promise<void>;
  /** Stops every server and waits until every child process is gone. */
  stop(): Promise<void>;
  /** SIGKILL to every server's process group at once, without waiting: the last resort. */
  killAll(): void;

  list(): ServerView[];
  get(id: string): ServerView;
  /**
   * The server's state and how it starts, as they are now, without the copies get() makes of its
   * config: what a call routed to it asks first. Throws as get() does.
   */
  runState(id: string): { state: ServerState; config: Readonly<Pick<ServerConfig, "start" | "enabled">> };
  /** What remote servers registered through the API or installed may reach. */
  networkPolicy(): NetworkPolicy;
  /**
   * Replaces the network policy (a config reload). It applies to every request from then on: a
   * connected remote server whose URL it now refuses loses its session at its next request (a
   * tool call, a health check) and ends `failed` with the refusal as its reason, as a start would.
   */
  setNetworkPolicy(policy: NetworkPolicy): void;
  /** The server's category, or null (also for an unknown id): a cheap lookup for hot paths. */
  categoryOf(id: string): string | null;

  /** Registers a server through the API; persisted in the store. Throws SERVER_EXISTS. */
  registerServer(id: string, config: unknown, options?: RegisterOptions): Promise<ServerView>;
  /** Changes an API-registered server; restarts it when running. */
  updateServer(id: string, patch: Record<string, unknown>): Promise<ServerView>;
  removeServer(id: string): Promise<void>;
  /** Applies the config file's server list: adds, removes, restarts only what changed. */
  applyConfig(servers: ServerConfig[]): Promise<{ added: string[]; removed: string[]; changed: string[] }>;

  startServer(id: string): Promise<ServerView>;
  stopServer(id: string): Promise<ServerView>;
  restartServer(id: string): Promise<ServerView>;

  capabilities(id: string): CapabilitySnapshot | null;
  logs(id: string, limit?: number): LogLine[];
  events(id: string, limit?: number): Promise<ServerEventRecord[]>;
  /**
   * Calls a tool of a running server within its request_timeout and publishes one tool_called
   * event (outcome, caller, entry point). Throws TOOL_NOT_FOUND, TOOL_CALL_TIMEOUT,
   * TOOL_CALL_FAILED (CANCELLED when `options.signal` aborted it), naming the server.
   */
  callTool(id: string, name: string, args: Record<string, unknown>, options?: CallOptions): Promise<ToolCallResult>;
  /**
   * Reads a resource of a running server, bounded by its request_timeout. Throws
   * SERVER_NOT_RUNNING, or UPSTREAM_FAILED / UPSTREAM_TIMEOUT naming the server.
   */
  readResource(id: string, uri: string, options?: CallOptions): Promise<UpstreamResult>;
  /** Gets a prompt of a running server; bounded and failing as readResource. */
  getPrompt(id: string, name: string, args: Record<string, string>, options?: CallOptions): Promise<UpstreamResult>;
  /** Asks a running server to complete an argument; bounded and failing as readResource. */
  complete(id: string, params: CompletionParams, options?: CallOptions): Promise<UpstreamResult>;
  /**
   * Subscribes the daemon's session with a running server to a resource: its
   * notifications/resources/updated are published as resource_updated events. Bounded and
   * failing as readResource; unsubscribeResource undoes it.
   */
  subscribeResource(id: string, uri: string): Promise<void>;
  unsubscribeResource(id: string, uri: string): Promise<void>;
  /** Lists the resource templates of a running server afresh (none when it serves no resources); bounded and failing as readResource. */
  listResourceTemplates(id: string): Promise<ResourceTemplateSummary[]>;
  /**
   * An MCP ping; resolves with the round trip in ms. Used by health probes. The request is
   * cancelled (notifications/cancelled to the server) when `signal` aborts or `timeoutMs`
   * (the server's request_timeout by default) passes.
   */
  ping(id: string, options?: RequestControl): Promise<number>;
  /**
   * Lists tools, resources and prompts afresh from the running server (no cache) and makes the
   * result the server's current snapshot. Used by health checks to see capability drift.
   * Cancelled like ping.
   */
  refreshCapabilities(id: string, options?: RequestControl): Promise<CapabilitySnapshot>;
  /**
   * Whether the running server announced a tools, resources or prompts list_changed since its
   * capabilities were last listed; false when it is not running.
   */
  capabilitiesChanged(id: string): boolean;
  /**
   * The server is up but does not serve (the health monitor saw its checks fail in a row): it is
   * ended and restarted like a server that exited, with `reason`. Ignored unless it is running.
   * `since` (clock ms) is when it was first seen not serving (the first failed check of the
   * streak began): the run counts only up to then towards restart_stable_after, so a server that
   * keeps hanging goes through backoff into crash_loop like one that keeps exiting.
   */
  reportUnresponsive(id: string, reason: string, since?: number): void;
  /** The pids of the server's process group (stdio servers; empty otherwise). */
  processIds(id: string): number[];
}
