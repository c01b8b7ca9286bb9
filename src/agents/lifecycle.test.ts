import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { AGENT_STATES, allows, nextState, type AgentAction } from "./lifecycle.js";
import { resolveSettings } from "./templates.js";
import { allowlistMatcher } from "./tool-session.js";

describe("agent lifecycle", () => {
  it("moves created -> idle -> running -> idle, and running -> error on a model failure", () => {
    expect(nextState("a", "created", "start")).toBe("idle");
    expect(nextState("a", "idle", "run")).toBe("running");
    expect(nextState("a", "running", "finish")).toBe("idle");
    expect(nextState("a", "running", "fail")).toBe("error");
    expect(nextState("a", "error", "start")).toBe("idle");
    expect(nextState("a", "running", "stop")).toBe("stopped");
    expect(nextState("a", "stopped", "start")).toBe("idle");
  });

  it("refuses a task to an agent that is not idle, saying what to do", () => {
    const refused = (state: (typeof AGENT_STATES)[number], action: AgentAction) => {
      try {
        nextState("a1", state, action);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe("AGENT_STATE");
        return (error as AppError).message;
      }
      throw new Error(`${state} -> ${action} was allowed`);
    };
    expect(refused("created", "run")).toBe("agent a1 is created: cannot run; start it first (POST /api/v1/agents/{id}/start, or pygent agents start <id>)");
    expect(refused("stopped", "run")).toContain("is stopped: cannot run");
    expect(refused("running", "run")).toContain("running a task already");
    expect(refused("error", "run")).toContain("is error: cannot run");
  });

  it("ends at deleted, from which nothing moves", () => {
    for (const state of AGENT_STATES.filter((each) => each !== "deleted")) expect(nextState("a", state, "delete")).toBe("deleted");
    for (const action of ["start", "run", "finish", "fail", "stop", "delete"] as const) expect(allows("deleted", action)).toBe(false);
  });
});

describe("agent templates", () => {
  it("lays an override over the template field by field", () => {
    const settings = resolveSettings("coding", { max_steps: 3, memory: { enabled: false } });
    expect(settings.max_steps).toBe(3);
    expect(settings.memory).toEqual({ enabled: false, recent_messages: 10, recall: 3 });
    expect(settings.tools).toEqual(["filesystem__*"]);
  });
});

describe("tool allowlist", () => {
  it("matches servers' tools by glob, and the gateway's own tools only by their exact name", () => {
    const matches = allowlistMatcher(["*", "filesystem__read_*", "pygent__search_tools"]);
    expect(matches("memory__create_entities", false)).toBe(true);
    expect(matches("pygent__install_server", true)).toBe(false);
    expect(matches("pygent__search_tools", true)).toBe(true);
    const narrow = allowlistMatcher(["filesystem__read_*"]);
    expect(narrow("filesystem__read_file", false)).toBe(true);
    expect(narrow("filesystem__write_file", false)).toBe(false);
  });
});
