/**
 * The domain events every part of the product publishes and listens to. One discriminated union,
 * keyed by `type`; consumers (the WebSocket hub, the health monitor, alerts) pick what they need.
 * These are domain shapes, not wire shapes: a consumer decides what to send outward.
 */

export type ServerState =
  | "stopped"
  | "starting"
  | "running"
  | "backoff"
  | "crash_loop"
  | "failed"
  | "stopping";

export interface ServerStatusEvent {
  type: "server_status";
  server_id: string;
  state: ServerState;
  previous: ServerState;
  /** Why the server is in this state, in words a person reads (exit code, missing command, ...). */
  reason: string | null;
  pid: number | null;
  restarts: number;
  at: number;
}

export interface ToolSummary {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  input_schema: unknown;
  output_schema?: unknown;
  annotations?: unknown;
}

export interface ResourceSummary {
  uri: string;
  name: string;
  description?: string | undefined;
  mime_type?: string | undefined;
}

export interface PromptSummary {
  name: string;
  description?: string | undefined;
  arguments?: unknown;
}

/** What a server told us about itself after initialize, and the lists it serves. */
export interface CapabilitySnapshot {
  server_name: string | null;
  server_version: string | null;
  protocol_version: string | null;
  capabilities: Record<string, unknown>;
  instructions: string | null;
  tools: ToolSummary[];
  resources: ResourceSummary[];
  prompts: PromptSummary[];
  /** Milliseconds spent in each step of bringing the server up. */
  timings: { spawn_ms: number; initialize_ms: number; list_ms: number };
  captured_at: number;
}

export interface ServerCapabilitiesEvent {
  type: "server_capabilities";
  server_id: string;
  snapshot: CapabilitySnapshot;
}

export interface ServerLogEvent {
  type: "server_log";
  server_id: string;
  stream: "stderr" | "stdout" | "daemon";
  line: string;
  at: number;
}

export interface ServerRegisteredEvent {
  type: "server_registered";
  server_id: string;
  source: "config" | "api";
}

/** A registered server's entry was edited in place (PATCH), without being re-registered. */
export interface ServerUpdatedEvent {
  type: "server_updated";
  server_id: string;
}

export interface ServerRemovedEvent {
  type: "server_removed";
  server_id: string;
}

export interface ConfigReloadedEvent {
  type: "config_reloaded";
  path: string;
  added: string[];
  removed: string[];
  changed: string[];
  /** Settings changed in the file that apply only after a restart of the daemon, e.g. "alerts.group_by". */
  restart_required: string[];
  at: number;
}

/** A changed config file was refused; the last good config stays. Problems name fields, never values. */
export interface ConfigRejectedEvent {
  type: "config_rejected";
  path: string;
  problems: string[];
  at: number;
}

/** Where a call came into the daemon: the REST API, the MCP gateway, `pygent mcp`, code inside the daemon, or an agent of the Agent Factory. */
export type CallEntry = "rest" | "gateway" | "relay" | "internal" | "agent";

/** How a call ended: answered, answered with isError, failed, out of time, or given up by its caller. */
export type CallOutcome = "ok" | "tool_error" | "failed" | "timeout" | "cancelled";

/** Who made a call: the token (its id and name), else "anonymous" (or "local" with auth off), with no id. */
export interface CallerRef {
  id: string | null;
  name: string;
}

/** A tool call made through the daemon, for error rates and usage statistics. */
export interface ToolCalledEvent {
  type: "tool_called";
  server_id: string;
  tool: string;
  ok: boolean;
  outcome: CallOutcome;
  caller: CallerRef;
  via: CallEntry;
  duration_ms: number;
  at: number;
}

/** The seed's health statuses (HealthStatus enum): what a health check concluded. */
export type HealthStatus = "healthy" | "warning" | "critical" | "unknown" | "offline";

/** The figures behind a health status; null when not measured (e.g. no process to sample). */
export interface HealthMetrics {
  response_time_ms: number | null;
  cpu_percent: number | null;
  memory_mb: number | null;
  /** Failed probes and failed tool calls over the error window, in percent (0-100). */
  error_rate: number | null;
  consecutive_failures: number;
  /** Share of successful checks, in percent (0-100), over the last hour, day and week. */
  uptime_1h: number | null;
  uptime_24h: number | null;
  uptime_7d: number | null;
}

/** A server's health after a check or a liveness change (published by src/health). */
export interface HealthUpdateEvent {
  type: "health_update";
  server_id: string;
  status: HealthStatus;
  /** The status before this update; null for the first update since the daemon started. */
  previous_status: HealthStatus | null;
  /** Why the status is what it is, e.g. "response_time 1240 ms > warning 1000 ms". */
  reasons: string[];
  metrics: HealthMetrics;
  /** The supervisor's state when the status was taken: `stopped` means nobody wants it running. */
  state: ServerState;
  at: number;
}

export type CapabilityKind = "tool" | "resource" | "prompt";

/** A tool or prompt by name, a resource by URI. */
export interface CapabilityRef {
  kind: CapabilityKind;
  name: string;
}

export interface CapabilityChange extends CapabilityRef {
  /** Which fields differ, e.g. ["description", "input_schema"]. */
  fields: string[];
}

/**
 * What a server serves changed since the last snapshot we kept (also across daemon restarts),
 * whether or not it sent list_changed. A tool whose description silently changes is how a "rug
 * pull" starts, so alerts listen to this.
 */
export interface CapabilitiesChangedEvent {
  type: "capabilities_changed";
  server_id: string;
  added: CapabilityRef[];
  removed: CapabilityRef[];
  changed: CapabilityChange[];
  previous_fingerprint: string;
  fingerprint: string;
  at: number;
}

/**
 * An alert changed state (published by src/alerts' websocket channel, one event per alert, at
 * once and not grouped): the dashboard and /ws subscribers see every firing and resolution.
 */
export interface AlertEvent {
  type: "alert";
  alert_id: string;
  rule_id: string;
  server_id: string;
  severity: "info" | "warning" | "critical";
  state: "firing" | "resolved";
  summary: string;
  labels: Record<string, string>;
  at: number;
}

/** The steps of installing a server from the discovery catalog, in order; done and failed end it. */
export type InstallPhase =
  | "resolving"
  | "downloading"
  | "installing"
  | "registering"
  | "starting"
  | "checking"
  | "done"
  | "failed";

/**
 * Progress of one install or uninstall (published by src/discovery); never carries secret values.
 * An uninstall goes resolving -> registering (unregistering) -> installing (removing files) -> done.
 */
export interface InstallProgressEvent {
  type: "install_progress";
  server_id: string;
  operation: "install" | "uninstall";
  phase: InstallPhase;
  message: string;
  /** A rough share of the work done, 0-100, when one can be given. */
  percent?: number;
  at: number;
}

/**
 * The daemon's storage began refusing writes for want of space (`full`), or a write went through
 * again (`recovered`). Published by the daemon from the store (src/health wires it); alerts listen.
 */
export interface StorageFaultEvent {
  type: "storage_fault";
  state: "full" | "recovered";
  /** What refused the write, e.g. "database or disk is full"; null on recovery. */
  reason: string | null;
  /** The file the refused write was for; null on recovery. */
  path: string | null;
  at: number;
}

/**
 * The gateway withholds a tool from its clients until an admin approves its definition (`held`:
 * it changed since it was approved, is new on a known server, or looks suspicious), or serves it
 * again once approved (`approved`). Published by src/gateway, once per definition; a new
 * server's tools, approved as they are first seen, publish nothing.
 */
export interface ToolApprovalEvent {
  type: "tool_approval";
  server_id: string;
  tool: string;
  state: "held" | "approved";
  /** Why it is held, in words, e.g. "changed: description", "suspicious: instruction_tags in description"; empty once approved. */
  reasons: string[];
  /** Who approved it (a token's name, or `local` without auth); null while held. */
  by: string | null;
  /** The hash of the definition held or approved. */
  hash: string;
  at: number;
}

/**
 * A server said a resource the daemon subscribed to changed (notifications/resources/updated;
 * published by src/mcp): the gateway tells the clients that subscribed to it.
 */
export interface ResourceUpdatedEvent {
  type: "resource_updated";
  server_id: string;
  uri: string;
  at: number;
}

/** An evolution run wrote a generation (its best so far) or ended; the run itself is read from the API. */
export interface EvolutionGenerationEvent {
  type: "evolution_generation";
  run_id: string;
  generation: number;
  best_score: number;
  evaluations: number;
  at: number;
}

export interface EvolutionFinishedEvent {
  type: "evolution_finished";
  run_id: string;
  at: number;
}

/** One tool call an agent's model asked for, as its step records it. */
export interface AgentToolCallRecord {
  id: string;
  /** The gateway's name, `<server_id>__<tool>`. */
  name: string;
  arguments: Record<string, unknown>;
  /** The tool's answer as text (cut to a bounded length); null when the call failed. */
  result: string | null;
  /** The tool answered with isError. */
  is_error: boolean;
  /** Why the call failed (refused, unknown tool, server down, timeout); null when it was answered. */
  error: string | null;
  latency_ms: number;
}

/** An agent of the Agent Factory began a task (published by src/agents). */
export interface AgentRunStartedEvent {
  type: "agent_run_started";
  agent_id: string;
  run_id: string;
  task: string;
  /** `<provider>/<model>`. */
  model: string;
  at: number;
}

/** One turn of an agent's run: the model's answer and the tools it called. */
export interface AgentStepEvent {
  type: "agent_step";
  agent_id: string;
  run_id: string;
  step: number;
  content: string;
  model_latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  tool_calls: AgentToolCallRecord[];
  at: number;
}

export type AgentRunStatus = "running" | "completed" | "step_limit" | "failed" | "cancelled" | "interrupted";

/** An agent's run ended: answered, stopped at its step limit, failed, cancelled or cut short by a restart. */
export interface AgentRunFinishedEvent {
  type: "agent_run_finished";
  agent_id: string;
  run_id: string;
  status: AgentRunStatus;
  steps: number;
  answer: string | null;
  error: string | null;
  at: number;
}

/** The daemon's activity as the dashboard's Overview shows it (computed by src/health). */
export interface ActivityFigures {
  /** The sliding window the call figures cover, in seconds. */
  window_s: number;
  tool_calls: {
    /** Calls per second over the window. */
    per_second: number;
    /** Calls in the window; a call its caller cancelled counts as a call, not as an error. */
    calls: number;
    errors: number;
    /** Percent (0-100) of the window's calls that failed; null without calls. */
    error_rate: number | null;
    /** Since the daemon started. */
    total: number;
  };
  restarts_last_hour: number;
  servers: { total: number; running: number; by_status: Record<HealthStatus, number> };
  alerts_firing: number;
  at: number;
}

/** The activity figures, published every few seconds while a /ws client follows them. */
export interface MetricsActivityEvent extends ActivityFigures {
  type: "metrics_activity";
}

export type DomainEvent =
  | ServerStatusEvent
  | ServerCapabilitiesEvent
  | ServerLogEvent
  | ServerRegisteredEvent
  | ServerRemovedEvent
  | ServerUpdatedEvent
  | ConfigReloadedEvent
  | ConfigRejectedEvent
  | ToolCalledEvent
  | HealthUpdateEvent
  | CapabilitiesChangedEvent
  | AlertEvent
  | InstallProgressEvent
  | StorageFaultEvent
  | ToolApprovalEvent
  | ResourceUpdatedEvent
  | EvolutionGenerationEvent
  | EvolutionFinishedEvent
  | AgentRunStartedEvent
  | AgentStepEvent
  | AgentRunFinishedEvent
  | MetricsActivityEvent;

export type EventType = DomainEvent["type"];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
