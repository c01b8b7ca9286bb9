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
}

export interface ConfigRejectedEvent {
  type: "config_rejected";
  path: string;
  problems: string[];
}

/** A tool call made through the daemon, for error rates and usage statistics. */
export interface ToolCalledEvent {
  type: "tool_called";
  server_id: string;
  tool: string;
  ok: boolean;
  duration_ms: number;
  at: number;
}

export type DomainEvent =
  | ServerStatusEvent
  | ServerCapabilitiesEvent
  | ServerLogEvent
  | ServerRegisteredEvent
  | ServerRemovedEvent
  | ConfigReloadedEvent
  | ConfigRejectedEvent
  | ToolCalledEvent;

export type EventType = DomainEvent["type"];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
