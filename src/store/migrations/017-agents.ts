import type { Migration } from "./index.js";

/**
 * The Agent Factory's agents (their settings as the template resolved them, and their lifecycle
 * state, so that they are restored after a restart), their runs, and each run's steps: the
 * model's turn and the tool calls it asked for.
 */
export const migration017: Migration = {
  version: 17,
  name: "agents, agent runs and their steps",
  statements: [
    `CREATE TABLE agents (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      type TEXT NOT NULL,
      settings TEXT NOT NULL,
      state TEXT NOT NULL,
      last_error TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE TABLE agent_runs (
      id TEXT PRIMARY KEY,
      agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
      task TEXT NOT NULL,
      status TEXT NOT NULL,
      answer TEXT,
      error TEXT,
      model TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0,
      started_at BIGINT NOT NULL,
      finished_at BIGINT
    )`,
    "CREATE INDEX agent_runs_by_agent ON agent_runs (agent_id, started_at)",
    "CREATE INDEX agent_runs_by_status ON agent_runs (status)",
    `CREATE TABLE agent_run_steps (
      run_id TEXT NOT NULL REFERENCES agent_runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      started_at BIGINT NOT NULL,
      model_latency_ms REAL NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      content TEXT NOT NULL,
      tool_calls TEXT NOT NULL,
      PRIMARY KEY (run_id, step)
    )`,
  ],
};
