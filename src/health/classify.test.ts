import { describe, expect, it } from "vitest";
import type { HealthMetrics } from "../bus/events.js";
import { classify, ERROR_RATE_MIN_EVENTS, type ClassifyInput } from "./classify.js";
import { worstOf } from "./status.js";
import { DEFAULT_THRESHOLDS, resolveThresholds } from "./thresholds.js";

const metrics = (over: Partial<HealthMetrics> = {}): HealthMetrics => ({
  response_time_ms: 12,
  cpu_percent: 1,
  memory_mb: 40,
  error_rate: 0,
  consecutive_failures: 0,
  uptime_1h: 100,
  uptime_24h: 100,
  uptime_7d: 100,
  ...over,
});

const input = (over: Partial<ClassifyInput> = {}): ClassifyInput => ({
  state: "running",
  stateReason: null,
  seen: true,
  probe: { ok: true, error: null, unreachable: false },
  metrics: metrics(),
  errorEvents: 20,
  thresholds: DEFAULT_THRESHOLDS,
  ...over,
});

describe("classify", () => {
  it("calls a running server under every threshold healthy, with no reasons", () => {
    expect(classify(input())).toEqual({ status: "healthy", reasons: [] });
  });

  it("names the metric, the value and the level crossed", () => {
    expect(classify(input({ metrics: metrics({ response_time_ms: 1240 }) }))).toEqual({
      status: "warning",
      reasons: ["response_time 1240 ms > warning 1000 ms"],
    });
    expect(classify(input({ metrics: metrics({ response_time_ms: 5200.4 }) }))).toEqual({
      status: "critical",
      reasons: ["response_time 5200 ms > critical 5000 ms"],
    });
  });

  it("takes the worst metric and lists the deciding reason first", () => {
    const result = classify(input({ metrics: metrics({ cpu_percent: 85.25, memory_mb: 2048 }) }));
    expect(result.status).toBe("critical");
    expect(result.reasons).toEqual(["memory 2048 MB > critical 1024 MB", "cpu 85.3 % > warning 80 %"]);
  });

  it("counts consecutive failures inclusively and keeps the probe's error", () => {
    const one = classify(
      input({ probe: { ok: false, error: "ping timed out after 10 s", unreachable: false }, metrics: metrics({ consecutive_failures: 1 }) }),
    );
    expect(one.status).toBe("warning");
    expect(one.reasons).toEqual(["consecutive_failures 1 >= warning 1", "probe failed: ping timed out after 10 s"]);
    const three = classify(input({ probe: { ok: false, error: "boom", unreachable: false }, metrics: metrics({ consecutive_failures: 3 }) }));
    expect(three.status).toBe("critical");
  });

  it("calls an on-demand server at rest or starting unknown with its reason, not offline, and a stopped ordinary one offline", () => {
    const idle = "idle: no calls for 300 s; starts again at its next call";
    expect(classify(input({ state: "stopped", stateReason: idle, probe: null, onDemand: true }))).toEqual({
      status: "unknown",
      reasons: [`server is stopped: ${idle}`],
    });
    expect(classify(input({ state: "starting", probe: null, onDemand: true }))).toEqual({ status: "unknown", reasons: ["server is starting on demand"] });
    expect(classify(input({ state: "stopped", stateReason: null, probe: null })).status).toBe("offline");
    expect(classify(input({ state: "failed", stateReason: "exited with code 1", probe: null, onDemand: true })).status).toBe("offline");
  });

  it("ignores the response time of a failed probe", () => {
    const result = classify(
      input({
        probe: { ok: false, error: "timeout", unreachable: false },
        metrics: metrics({ response_time_ms: 10_000, consecutive_failures: 1 }),
      }),
    );
    expect(result.reasons.some((reason) => reason.startsWith("response_time"))).toBe(false);
  });

  it("does not judge an error rate over too few events", () => {
    const few = classify(input({ metrics: metrics({ error_rate: 50 }), errorEvents: ERROR_RATE_MIN_EVENTS - 1 }));
    expect(few.status).toBe("healthy");
    const enough = classify(input({ metrics: metrics({ error_rate: 50 }), errorEvents: ERROR_RATE_MIN_EVENTS }));
    expect(enough).toEqual({ status: "warning", reasons: ["error_rate 50 % > warning 10 %"] });
  });

  it("reports an unreachable server as offline", () => {
    expect(classify(input({ probe: { ok: false, error: "ECONNREFUSED", unreachable: true } }))).toEqual({
      status: "offline",
      reasons: ["unreachable: ECONNREFUSED"],
    });
  });

  it("derives offline and unknown from the supervisor's state", () => {
    expect(classify(input({ state: "backoff", stateReason: "killed by SIGKILL; restarting in 1 s" }))).toEqual({
      status: "offline",
      reasons: ["server is in backoff: killed by SIGKILL; restarting in 1 s"],
    });
    expect(classify(input({ state: "crash_loop", stateReason: "5 failures" })).reasons).toEqual(["server is in a crash loop: 5 failures"]);
    expect(classify(input({ state: "stopped" }))).toEqual({ status: "offline", reasons: ["server is stopped"] });
    expect(classify(input({ state: "starting", seen: false }))).toEqual({ status: "unknown", reasons: ["server is starting"] });
    expect(classify(input({ state: "starting", seen: true })).status).toBe("offline");
    expect(classify(input({ probe: null, seen: false }))).toEqual({ status: "unknown", reasons: ["not checked yet"] });
  });

  it("applies per-server thresholds over the defaults", () => {
    const thresholds = resolveThresholds(DEFAULT_THRESHOLDS, { response_time_ms: { warning: 100, critical: 300 } });
    expect(classify(input({ thresholds, metrics: metrics({ response_time_ms: 150 }) })).reasons).toEqual([
      "response_time 150 ms > warning 100 ms",
    ]);
  });
});

describe("resolveThresholds", () => {
  it("layers global then server overrides over the defaults", () => {
    const resolved = resolveThresholds(
      DEFAULT_THRESHOLDS,
      { response_time_ms: { warning: 500 }, cpu_percent: { critical: 99 } },
      { response_time_ms: { critical: 800 } },
    );
    expect(resolved.response_time_ms).toEqual({ warning: 500, critical: 800 });
    expect(resolved.cpu_percent).toEqual({ warning: 80, critical: 99 });
    expect(resolved.memory_mb).toEqual(DEFAULT_THRESHOLDS.memory_mb);
    expect(DEFAULT_THRESHOLDS.response_time_ms).toEqual({ warning: 1000, critical: 5000 });
  });

  it("keeps warning at or below critical", () => {
    expect(resolveThresholds(DEFAULT_THRESHOLDS, { response_time_ms: { warning: 8000 } }).response_time_ms).toEqual({
      warning: 8000,
      critical: 8000,
    });
    expect(resolveThresholds(DEFAULT_THRESHOLDS, { response_time_ms: { critical: 200 } }).response_time_ms).toEqual({
      warning: 200,
      critical: 200,
    });
  });
});

describe("worstOf", () => {
  it("ranks healthy < unknown < warning < critical < offline", () => {
    expect(worstOf([])).toBe("healthy");
    expect(worstOf(["healthy", "unknown"])).toBe("unknown");
    expect(worstOf(["unknown", "warning", "healthy"])).toBe("warning");
    expect(worstOf(["critical", "offline", "warning"])).toBe("offline");
  });
});
