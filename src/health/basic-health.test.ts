import { describe, expect, it } from "vitest";
import type { ServerState } from "../bus/events.js";
import { summarizeMcp } from "./basic-health.js";
import { overallOf } from "./status.js";

const server = (id: string, state: ServerState, enabled = true) => ({ id, state, enabled, reason: null });

describe("summarizeMcp", () => {
  it("is healthy with no servers", () => {
    const summary = summarizeMcp([]);
    expect(summary.status).toBe("healthy");
    expect(summary.details).toMatchObject({ total: 0, enabled: 0, running: 0, servers: [] });
    expect(summary.details.by_state).toEqual({
      stopped: 0,
      starting: 0,
      running: 0,
      backoff: 0,
      crash_loop: 0,
      failed: 0,
      stopping: 0,
    });
  });

  it("is healthy when every enabled server runs, ignoring disabled ones", () => {
    const summary = summarizeMcp([server("a", "running"), server("b", "stopped", false)]);
    expect(summary.status).toBe("healthy");
    expect(summary.details).toMatchObject({ total: 2, enabled: 1, running: 1 });
    expect(summary.details.by_state).toMatchObject({ running: 1, stopped: 1 });
  });

  it("is healthy when every server is disabled", () => {
    expect(summarizeMcp([server("a", "stopped", false)]).status).toBe("healthy");
  });

  it("warns when some enabled servers are not running", () => {
    const summary = summarizeMcp([server("a", "running"), server("b", "backoff"), server("c", "starting")]);
    expect(summary.status).toBe("warning");
    expect(summary.details.servers.map((s) => [s.id, s.state])).toEqual([
      ["a", "running"],
      ["b", "backoff"],
      ["c", "starting"],
    ]);
  });

  it("is critical when no enabled server runs", () => {
    expect(summarizeMcp([server("a", "crash_loop"), server("b", "failed")]).status).toBe("critical");
  });
});

describe("overallOf", () => {
  it("orders healthy < unknown < warning < critical and reports offline as critical", () => {
    expect(overallOf([])).toBe("healthy");
    expect(overallOf(["healthy", "unknown"])).toBe("unknown");
    expect(overallOf(["unknown", "warning", "healthy"])).toBe("warning");
    expect(overallOf(["warning", "critical"])).toBe("critical");
    expect(overallOf(["healthy", "offline"])).toBe("critical");
    expect(overallOf(["offline", "critical"])).toBe("critical");
  });
});
