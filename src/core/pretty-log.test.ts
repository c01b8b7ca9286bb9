import { describe, expect, it } from "vitest";
import { formatLogLine } from "./pretty-log.js";

describe("pretty log lines", () => {
  it("puts time, level, module and server first, then the other fields", () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 5), name: "pygent", module: "mcp", server_id: "memory", msg: "running -> backoff", reason: "killed by SIGKILL" });
    expect(formatLogLine(line)).toMatch(/^\d\d:\d\d:\d\d WARN  mcp memory: running -> backoff reason=killed by SIGKILL$/);
  });

  it("passes through a line that is not JSON", () => {
    expect(formatLogLine("plain text")).toBe("plain text");
  });
});
