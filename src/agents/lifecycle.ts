/**
 * An agent's lifecycle as an explicit state machine. Created agents are started (idle) before
 * they take tasks; a task runs in `running` and returns the agent to `idle`, or to `error` when
 * the model could not be used; stopped agents take no tasks until started again; `deleted` is
 * the end. Every change goes through `nextState`, which refuses any other move naming the state.
 */
import { AppError } from "../core/errors.js";

export const AGENT_STATES = ["created", "idle", "running", "stopped", "error", "deleted"] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export type AgentAction = "start" | "run" | "finish" | "fail" | "stop" | "delete";

const TRANSITIONS: Readonly<Record<AgentState, Partial<Record<AgentAction, AgentState>>>> = {
  created: { start: "idle", stop: "stopped", delete: "deleted" },
  idle: { run: "running", stop: "stopped", delete: "deleted" },
  running: { finish: "idle", fail: "error", stop: "stopped", delete: "deleted" },
  stopped: { start: "idle", delete: "deleted" },
  error: { start: "idle", stop: "stopped", delete: "deleted" },
  deleted: {},
};

const ADVICE: Partial<Record<AgentAction, string>> = {
  run: "start it first (POST /api/v1/agents/{id}/start, or pygent agents start <id>)",
  start: "it is already started",
};

/** The state `action` leads to from `state`; throws AGENT_STATE naming both when it is not allowed. */
export function nextState(agentId: string, state: AgentState, action: AgentAction): AgentState {
  const next = TRANSITIONS[state][action];
  if (next !== undefined) return next;
  const advice = state === "running" && action === "run" ? "it is running a task already; wait for it or stop it" : ADVICE[action];
  throw new AppError("AGENT_STATE", `agent ${agentId} is ${state}: cannot ${action}${advice ? `; ${advice}` : ""}`, { agent_id: agentId, state, action });
}

/** Whether `action` is allowed from `state`. */
export function allows(state: AgentState, action: AgentAction): boolean {
  return TRANSITIONS[state][action] !== undefined;
}
