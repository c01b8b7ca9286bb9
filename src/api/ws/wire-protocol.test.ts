/** The /ws protocol's pure parts: event names, reading client frames, and the wire shape of events. */
import { describe, expect, it } from "vitest";
import type { DomainEvent, HealthMetrics } from "../../bus/events.js";
import { parseClientMessage, resolveEventNames, toWireEvent, TOPICS } from "./wire-protocol.js";

const metrics: HealthMetrics = {
  response_time_ms: 12.5,
  cpu_percent: 1.2,
  memory_mb: 40.1,
  error_rate: 0,
  consecutive_failures: 0,
  uptime_1h: 100,
  uptime_24h: 100,
  uptime_7d: 100,
};

describe("event names", () => {
  it("accepts the seed's plural names, the wire types' own names and *", () => {
    expect(resolveEventNames(["health_updates"])).toEqual({ topics: ["health_updates"] });
    expect(resolveEventNames(["health_update", "alert", "log"])).toEqual({ topics: ["health_updates", "alerts", "logs"] });
    expect(resolveEventNames(["*"])).toEqual({ topics: [...TOPICS] });
    expect(resolveEventNames(["all", "logs"])).toEqual({ topics: [...TOPICS] });
  });

  it("names every unknown name and does not resolve prototype keys", () => {
    expect(resolveEventNames(["health_updates", "nope", "toString"])).toEqual({ unknown: ["nope", "toString"] });
  });
});

describe("reading client messages", () => {
  it("reads subscribe with and without server_ids, unsubscribe and ping", () => {
    expect(parseClientMessage('{"type":"subscribe","events":["health_updates","server_status"]}')).toEqual({
      ok: true,
      command: { type: "subscribe", topics: ["health_updates", "server_status"], serverIds: null },
    });
    expect(parseClientMessage('{"type":"subscribe","events":["logs"],"server_ids":["a","b"]}')).toEqual({
      ok: true,
      command: { type: "subscribe", topics: ["logs"], serverIds: ["a", "b"] },
    });
    expect(parseClientMessage('{"type":"unsubscribe","events":["alerts"]}')).toEqual({
      ok: true,
      command: { type: "unsubscribe", topics: ["alerts"], serverIds: null },
    });
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, command: { type: "ping" } });
  });

  it("reports invalid JSON, a non-object, an unknown type and a malformed subscribe", () => {
    const code = (text: string) => {
      const result = parseClientMessage(text);
      return result.ok ? "ok" : result.error.code;
    };
    expect(code("{not json")).toBe("INVALID_JSON");
    expect(code("[1,2]")).toBe("INVALID_MESSAGE");
    expect(code("null")).toBe("INVALID_MESSAGE");
    expect(code('{"type":"hello"}')).toBe("UNKNOWN_TYPE");
    expect(code('{"events":["logs"]}')).toBe("UNKNOWN_TYPE");
    expect(code('{"type":"subscribe"}')).toBe("INVALID_MESSAGE");
    expect(code('{"type":"subscribe","events":[]}')).toBe("INVALID_MESSAGE");
    expect(code('{"type":"subscribe","events":"logs"}')).toBe("INVALID_MESSAGE");
    expect(code('{"type":"subscribe","events":["logs"],"server_ids":[1]}')).toBe("INVALID_MESSAGE");
  });

  it("refuses a subscribe naming an unknown event as a whole, listing the unknown names", () => {
    const result = parseClientMessage('{"type":"subscribe","events":["health_updates","weather"]}');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("UNKNOWN_EVENT");
    expect(result.error.events).toEqual(["weather"]);
    expect(result.error.message).toContain("health_updates");
  });
});

describe("wire shapes", () => {
  it("sends a health_update in the seed's shape (type, server_id, status, metrics) with reasons and time", () => {
    const event: DomainEvent = {
      type: "health_update",
      server_id: "cloudflare-browser",
      status: "warning",
      previous_status: "healthy",
      reasons: ["response_time 1240 ms > warning 1000 ms"],
      state: "running",
      metrics,
      at: 1000,
    };
    expect(toWireEvent(event)).toEqual({
      topic: "health_updates",
      server_id: "cloudflare-browser",
      message: {
        type: "health_update",
        server_id: "cloudflare-browser",
        status: "warning",
        previous_status: "healthy",
        metrics,
        reasons: ["response_time 1240 ms > warning 1000 ms"],
        at: 1000,
      },
    });
  });

  it("sends server_status, alert, capabilities_changed, log and install_progress under their topics", () => {
    const events: DomainEvent[] = [
      { type: "server_status", server_id: "a", state: "backoff", previous: "running", reason: "exit 1", pid: null, restarts: 2, at: 1 },
      {
        type: "alert",
        alert_id: "al1",
        rule_id: "r1",
        server_id: "a",
        severity: "critical",
        state: "firing",
        summary: "a is offline",
        labels: { category: "x" },
        at: 2,
      },
      {
        type: "capabilities_changed",
        server_id: "a",
        added: [],
        removed: [],
        changed: [{ kind: "tool", name: "echo", fields: ["description"] }],
        previous_fingerprint: "f0",
        fingerprint: "f1",
        at: 3,
      },
      { type: "server_log", server_id: "a", stream: "stderr", line: "hello", at: 4 },
      {
        type: "install_progress",
        server_id: "a",
        operation: "install",
        phase: "installing",
        message: "npm install",
        percent: 40,
        at: 5,
      },
    ];
    const wire = events.map((event) => toWireEvent(event));
    expect(wire.map((each) => each?.topic)).toEqual(["server_status", "alerts", "capabilities_changed", "logs", "install_progress"]);
    expect(wire[0]?.message).toEqual({
      type: "server_status",
      server_id: "a",
      state: "backoff",
      previous: "running",
      reason: "exit 1",
      pid: null,
      restarts: 2,
      at: 1,
    });
    expect(wire[1]?.message).toMatchObject({ type: "alert", alert_id: "al1", severity: "critical", state: "firing" });
    expect(wire[2]?.message).toMatchObject({ type: "capabilities_changed", fingerprint: "f1" });
    expect(wire[3]?.message).toEqual({ type: "log", server_id: "a", stream: "stderr", line: "hello", at: 4 });
    expect(wire[4]?.message).toEqual({
      type: "install_progress",
      server_id: "a",
      operation: "install",
      phase: "installing",
      message: "npm install",
      percent: 40,
      at: 5,
    });
  });

  it("sends a held or approved tool under tool_approvals, by either name", () => {
    expect(resolveEventNames(["tool_approval"])).toEqual({ topics: ["tool_approvals"] });
    const held = toWireEvent({
      type: "tool_approval",
      server_id: "fs",
      tool: "read",
      state: "held",
      reasons: ["changed since it was approved (description)"],
      by: null,
      hash: "h1",
      at: 6,
    });
    expect(held).toEqual({
      topic: "tool_approvals",
      server_id: "fs",
      message: { type: "tool_approval", server_id: "fs", tool: "read", state: "held", reasons: ["changed since it was approved (description)"], by: null, hash: "h1", at: 6 },
    });
  });

  it("sends config reloads and rejections under the config topic, to every server filter", () => {
    const reloaded = toWireEvent({ type: "config_reloaded", path: "/x", added: ["a"], removed: [], changed: [], restart_required: [], at: 3 });
    expect(reloaded).toEqual({
      topic: "config",
      server_id: null,
      message: { type: "config_reloaded", path: "/x", added: ["a"], removed: [], changed: [], restart_required: [], at: 3 },
    });
    const rejected = toWireEvent({ type: "config_rejected", path: "/x", problems: ["servers: 2 servers, the limit is 1 (limits.max_servers)"], at: 4 });
    expect(rejected).toEqual({
      topic: "config",
      server_id: null,
      message: { type: "config_rejected", path: "/x", problems: ["servers: 2 servers, the limit is 1 (limits.max_servers)"], at: 4 },
    });
    expect(resolveEventNames(["config_rejected"])).toEqual({ topics: ["config"] });
  });

  it("sends an agent's run and its steps under the agents topic, to every server filter", () => {
    expect(resolveEventNames(["agent_step"])).toEqual({ topics: ["agents"] });
    const call = { id: "c1", name: "fs__write", arguments: { path: "a" }, result: "ok", is_error: false, error: null, latency_ms: 3 };
    const step = toWireEvent({ type: "agent_step", agent_id: "a1", run_id: "r1", step: 1, content: "writing", model_latency_ms: 12, prompt_tokens: 5, completion_tokens: 2, tool_calls: [call], at: 7 });
    expect(step).toEqual({
      topic: "agents",
      server_id: null,
      message: { type: "agent_step", agent_id: "a1", run_id: "r1", step: 1, content: "writing", model_latency_ms: 12, prompt_tokens: 5, completion_tokens: 2, tool_calls: [call], at: 7 },
    });
    const finished = toWireEvent({ type: "agent_run_finished", agent_id: "a1", run_id: "r1", status: "completed", steps: 2, answer: "done", error: null, at: 8 });
    expect(finished?.message).toEqual({ type: "agent_run_finished", agent_id: "a1", run_id: "r1", status: "completed", steps: 2, answer: "done", error: null, at: 8 });
  });

  it("keeps internal events (snapshots, registry, tool calls) off the wire", () => {
    const internal: DomainEvent[] = [
      { type: "server_registered", server_id: "a", source: "config" },
      { type: "server_removed", server_id: "a" },
      { type: "tool_called", server_id: "a", tool: "echo", ok: true, outcome: "ok", caller: { id: null, name: "local" }, via: "internal", duration_ms: 1, at: 1 },
    ];
    for (const event of internal) expect(toWireEvent(event)).toBeUndefined();
  });
});
