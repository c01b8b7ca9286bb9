import { describe, expect, it } from "vitest";
import type { ServerState } from "../bus/events.js";
import { probeDatabase, summarizeMcp, worstStatus } from "./health-status.js";

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

describe("worstStatus", () => {
  it("orders healthy < unknown < warning < critical and counts offline as critical", () => {
    expect(worstStatus([])).toBe("healthy");
    expect(worstStatus(["healthy", "unknown"])).toBe("unknown");
    expect(worstStatus(["unknown", "warning", "healthy"])).toBe("warning");
    expect(worstStatus(["warning", "critical"])).toBe("critical");
    expect(worstStatus(["healthy", "offline"])).toBe("critical");
    expect(worstStatus(["offline", "warning"])).toBe("critical");
  });
});

describe("probeDatabase", () => {
  it("is critical, with the reason, when the store cannot be reached", async () => {
    const health = await probeDatabase({
      ping: () => Promise.reject(new Error("SQLITE_CANTOPEN")),
      info: () => Promise.reject(new Error("unreachable")),
    });
    expect(health).toEqual({
      status: "critical",
      details: { reachable: false, latency_ms: null, size_bytes: null, wal_bytes: null, error: "SQLITE_CANTOPEN" },
    });
  });
});
