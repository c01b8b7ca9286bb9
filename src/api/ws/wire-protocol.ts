/**
 * The /ws wire protocol, as pure functions: which domain events a client can subscribe to (and
 * under which names), what each one looks like on the wire, and how a client's text frame is
 * read. The hub (event-hub.ts) only moves bytes; everything a client sees is decided here.
 *
 * Client -> server (text frames, JSON):
 *   {"type":"subscribe","events":["health_updates","logs"],"server_ids":["a"]}   server_ids optional
 *   {"type":"unsubscribe","events":["logs"]}
 *   {"type":"ping"}                                   an application-level ping for browsers
 * Server -> client:
 *   welcome, subscribed / unsubscribed acks, error, pong, and the events below.
 */
import { z } from "zod";
import { isServerSubject } from "../../alerts/index.js";
import type { AlertEvent, DomainEvent, HealthMetrics, HealthStatus, MetricsActivityEvent, ServerStatusEvent } from "../../bus/events.js";

/** What a client can subscribe to; each maps one domain event type to one wire message type. */
export const TOPICS = ["health_updates", "server_status", "alerts", "capabilities_changed", "logs", "install_progress", "config", "tool_approvals", "evolution", "agents", "metrics"] as const;
export type Topic = (typeof TOPICS)[number];

/** Accepted names: the seed's plural `health_updates`, and the wire type's own name for each. */
const NAMES: Record<string, Topic | "*"> = {
  health_updates: "health_updates",
  health_update: "health_updates",
  server_status: "server_status",
  alerts: "alerts",
  alert: "alerts",
  capabilities_changed: "capabilities_changed",
  logs: "logs",
  log: "logs",
  server_log: "logs",
  install_progress: "install_progress",
  config: "config",
  config_reloaded: "config",
  config_rejected: "config",
  tool_approvals: "tool_approvals",
  tool_approval: "tool_approvals",
  evolution: "evolution",
  evolution_generation: "evolution",
  evolution_finished: "evolution",
  agents: "agents",
  agent_run_started: "agents",
  agent_step: "agents",
  agent_run_finished: "agents",
  metrics: "metrics",
  metrics_activity: "metrics",
  "*": "*",
  all: "*",
};

export type ProtocolErrorCode = "INVALID_JSON" | "INVALID_MESSAGE" | "UNKNOWN_TYPE" | "UNKNOWN_EVENT";

export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  /** For UNKNOWN_EVENT: the names that were not recognised. */
  events?: string[];
}

export type ClientCommand =
  | { type: "subscribe" | "unsubscribe"; topics: Topic[]; serverIds: string[] | null }
  | { type: "ping" };

export type ParseResult = { ok: true; command: ClientCommand } | { ok: false; error: ProtocolError };

/** Either the topics the names stand for (`*` expands to all), or the names that are unknown. */
export function resolveEventNames(names: readonly string[]): { topics: Topic[] } | { unknown: string[] } {
  const topics = new Set<Topic>();
  const unknown: string[] = [];
  for (const name of names) {
    const topic = Object.hasOwn(NAMES, name) ? NAMES[name] : undefined;
    if (topic === undefined) unknown.push(name);
    else if (topic === "*") for (const each of TOPICS) topics.add(each);
    else topics.add(topic);
  }
  return unknown.length > 0 ? { unknown } : { topics: TOPICS.filter((topic) => topics.has(topic)) };
}

const SubscriptionSchema = z.object({
  type: z.enum(["subscribe", "unsubscribe"]),
  events: z.array(z.string().max(64)).min(1).max(64),
  server_ids: z.array(z.string().min(1).max(64)).max(1000).optional(),
});

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(message)"}: ${issue.message}`).join("; ");
}

/** Reads one text frame from a client. Never throws: a bad frame is an error to send back. */
export function parseClientMessage(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: "INVALID_JSON", message: "The message is not valid JSON." } };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: { code: "INVALID_MESSAGE", message: "The message must be a JSON object with a type." } };
  }
  const type = (value as { type?: unknown }).type;
  if (type === "ping") return { ok: true, command: { type: "ping" } };
  if (type !== "subscribe" && type !== "unsubscribe") {
    return {
      ok: false,
      error: {
        code: "UNKNOWN_TYPE",
        message: `Unknown message type ${JSON.stringify(type ?? null)}; expected subscribe, unsubscribe or ping.`,
      },
    };
  }
  const parsed = SubscriptionSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: { code: "INVALID_MESSAGE", message: describeIssues(parsed.error) } };
  const resolved = resolveEventNames(parsed.data.events);
  if ("unknown" in resolved) {
    return {
      ok: false,
      error: {
        code: "UNKNOWN_EVENT",
        message: `Unknown event name(s): ${resolved.unknown.join(", ")}; available: ${TOPICS.join(", ")} (or "*").`,
        events: resolved.unknown,
      },
    };
  }
  return { ok: true, command: { type: parsed.data.type, topics: resolved.topics, serverIds: parsed.data.server_ids ?? null } };
}

// --- server -> client -------------------------------------------------------------------------

export interface HealthUpdateMessage {
  type: "health_update";
  server_id: string;
  status: HealthStatus;
  previous_status: HealthStatus | null;
  metrics: HealthMetrics;
  reasons: string[];
  at: number;
}

/** An alert as a client sees it: every field of the event, named one by one as toWireEvent copies them. */
export type AlertMessage = Pick<AlertEvent, "type" | "alert_id" | "rule_id" | "server_id" | "severity" | "state" | "summary" | "labels" | "at">;

/** The daemon's activity as a client sees it (the same figures as GET /api/v1/metrics/activity). */
export type MetricsActivityMessage = Pick<MetricsActivityEvent, "type" | "window_s" | "tool_calls" | "restarts_last_hour" | "servers" | "alerts_firing" | "at">;

/** The fields of a server_status event a client sees, named one by one as toWireEvent copies them. */
export type ServerStatusMessage = Pick<ServerStatusEvent, "type" | "server_id" | "state" | "previous" | "reason" | "pid" | "restarts" | "at">;

/**
 * An event as a client sees it, with what the hub needs to route it. `server_id` is null for an
 * event about no one server (the config file's): every subscriber of its topic gets it.
 */
export interface WireEvent {
  topic: Topic;
  server_id: string | null;
  message: { type: string; at: number } & Record<string, unknown>;
}

/**
 * The wire form of a domain event, or undefined for events clients do not see (capability
 * snapshots are large and have their own REST route; registry events are internal).
 * Fields are copied by name so that a field added to a domain event is not exposed by accident.
 */
export function toWireEvent(event: DomainEvent): WireEvent | undefined {
  switch (event.type) {
    case "health_update": {
      const message: HealthUpdateMessage = {
        type: "health_update",
        server_id: event.server_id,
        status: event.status,
        previous_status: event.previous_status,
        metrics: event.metrics,
        reasons: event.reasons,
        at: event.at,
      };
      return { topic: "health_updates", server_id: event.server_id, message: { ...message } };
    }
    case "server_status": {
      const message: ServerStatusMessage = {
        type: "server_status",
        server_id: event.server_id,
        state: event.state,
        previous: event.previous,
        reason: event.reason,
        pid: event.pid,
        restarts: event.restarts,
        at: event.at,
      };
      return { topic: "server_status", server_id: event.server_id, message: { ...message } };
    }
    case "alert": {
      const message: AlertMessage = {
        type: "alert",
        alert_id: event.alert_id,
        rule_id: event.rule_id,
        server_id: event.server_id,
        severity: event.severity,
        state: event.state,
        summary: event.summary,
        labels: event.labels,
        at: event.at,
      };
      // An alert about the daemon or its config file reaches every alerts subscriber, whatever its server filter.
      return { topic: "alerts", server_id: isServerSubject(event.server_id) ? event.server_id : null, message: { ...message } };
    }
    case "capabilities_changed":
      return {
        topic: "capabilities_changed",
        server_id: event.server_id,
        message: {
          type: "capabilities_changed",
          server_id: event.server_id,
          added: event.added,
          removed: event.removed,
          changed: event.changed,
          previous_fingerprint: event.previous_fingerprint,
          fingerprint: event.fingerprint,
          at: event.at,
        },
      };
    case "server_log":
      return {
        topic: "logs",
        server_id: event.server_id,
        message: { type: "log", server_id: event.server_id, stream: event.stream, line: event.line, at: event.at },
      };
    case "install_progress":
      return {
        topic: "install_progress",
        server_id: event.server_id,
        message: {
          type: "install_progress",
          server_id: event.server_id,
          operation: event.operation,
          phase: event.phase,
          message: event.message,
          ...(event.percent !== undefined ? { percent: event.percent } : {}),
          at: event.at,
        },
      };
    case "config_reloaded":
      return {
        topic: "config",
        server_id: null,
        message: {
          type: "config_reloaded",
          path: event.path,
          added: event.added,
          removed: event.removed,
          changed: event.changed,
          restart_required: event.restart_required,
          at: event.at,
        },
      };
    case "config_rejected":
      return {
        topic: "config",
        server_id: null,
        message: { type: "config_rejected", path: event.path, problems: event.problems, at: event.at },
      };
    case "tool_approval":
      return {
        topic: "tool_approvals",
        server_id: event.server_id,
        message: {
          type: "tool_approval",
          server_id: event.server_id,
          tool: event.tool,
          state: event.state,
          reasons: event.reasons,
          by: event.by,
          hash: event.hash,
          at: event.at,
        },
      };
    case "evolution_generation":
      return {
        topic: "evolution",
        server_id: null,
        message: {
          type: "evolution_generation",
          run_id: event.run_id,
          generation: event.generation,
          best_score: event.best_score,
          evaluations: event.evaluations,
          at: event.at,
        },
      };
    case "evolution_finished":
      return { topic: "evolution", server_id: null, message: { type: "evolution_finished", run_id: event.run_id, at: event.at } };
    case "agent_run_started":
    case "agent_step":
    case "agent_run_finished":
      return { topic: "agents", server_id: null, message: agentMessage(event) };
    case "metrics_activity": {
      const message: MetricsActivityMessage = {
        type: "metrics_activity",
        window_s: event.window_s,
        tool_calls: event.tool_calls,
        restarts_last_hour: event.restarts_last_hour,
        servers: event.servers,
        alerts_firing: event.alerts_firing,
        at: event.at,
      };
      return { topic: "metrics", server_id: null, message: { ...message } };
    }
    case "server_capabilities":
    case "server_registered":
    case "server_removed":
    case "server_updated":
    case "tool_called":
    // Only the gateway's clients that subscribed to the resource see it.
    case "resource_updated":
    // Subscribers see a storage fault as the alert it raises.
    case "storage_fault":
      return undefined;
  }
}

type AgentEvent = Extract<DomainEvent, { type: "agent_run_started" | "agent_step" | "agent_run_finished" }>;

/** The fields of each agent event a client sees, named one by one. */
const AGENT_EVENT_FIELDS: { [T in AgentEvent["type"]]: readonly (keyof Extract<AgentEvent, { type: T }>)[] } = {
  agent_run_started: ["type", "agent_id", "run_id", "task", "model", "at"],
  agent_step: ["type", "agent_id", "run_id", "step", "content", "model_latency_ms", "prompt_tokens", "completion_tokens", "tool_calls", "at"],
  agent_run_finished: ["type", "agent_id", "run_id", "status", "steps", "answer", "error", "at"],
};

function agentMessage(event: AgentEvent): WireEvent["message"] {
  const fields = AGENT_EVENT_FIELDS[event.type] as readonly (keyof AgentEvent)[];
  return Object.fromEntries(fields.map((field) => [field, event[field]])) as WireEvent["message"];
}

export function welcomeMessage(version: string, heartbeatMs: number): Record<string, unknown> {
  return { type: "welcome", version, events: [...TOPICS], heartbeat_ms: heartbeatMs };
}

export function errorFrame(error: ProtocolError): Record<string, unknown> {
  return { type: "error", ...error };
}
