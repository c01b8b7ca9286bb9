/**
 * Agents, their runs and the runs' steps. The store keeps what the Agent Factory gives it (its
 * settings and tool calls as JSON it does not look inside); the states and statuses are the
 * factory's words.
 */
import type { SqliteDatabase } from "./database.js";

export interface AgentRecord {
  id: string;
  name: string;
  type: string;
  settings: unknown;
  state: string;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface AgentRunRecord {
  id: string;
  agent_id: string;
  task: string;
  status: string;
  answer: string | null;
  error: string | null;
  /** The provider and model that answered, e.g. "ollama/llama3.2". */
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  started_at: number;
  finished_at: number | null;
  /** How many steps are recorded. */
  steps: number;
}

export interface AgentStepRecord {
  run_id: string;
  step: number;
  started_at: number;
  model_latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  content: string;
  tool_calls: unknown;
}

export type RunOutcome = Pick<AgentRunRecord, "status" | "answer" | "error" | "prompt_tokens" | "completion_tokens" | "finished_at">;

export interface AgentsRepository {
  list(): Promise<AgentRecord[]>;
  get(id: string): Promise<AgentRecord | undefined>;
  insert(record: AgentRecord): Promise<void>;
  setState(id: string, state: string, lastError: string | null, at: number): Promise<void>;
  /** Removes the agent with its runs and steps; false when there was none. */
  remove(id: string): Promise<boolean>;
  insertRun(run: Omit<AgentRunRecord, "steps">): Promise<void>;
  finishRun(id: string, outcome: RunOutcome): Promise<void>;
  appendStep(step: AgentStepRecord): Promise<void>;
  /** The agent's runs, newest first. */
  listRuns(agentId: string, limit: number): Promise<AgentRunRecord[]>;
  getRun(agentId: string, runId: string): Promise<AgentRunRecord | undefined>;
  steps(runId: string): Promise<AgentStepRecord[]>;
  /** Ends every run still marked `from` (a daemon that stopped mid-run) as `to`; returns how many. */
  endUnfinishedRuns(from: string, to: string, error: string, at: number): Promise<number>;
}

const RUN_COLUMNS = `r.id, r.agent_id, r.task, r.status, r.answer, r.error, r.model, r.prompt_tokens, r.completion_tokens, r.started_at, r.finished_at,
  (SELECT COUNT(*) FROM agent_run_steps s WHERE s.run_id = r.id) AS steps`;

export function sqliteAgentsRepository(db: SqliteDatabase): AgentsRepository {
  const listStmt = db.prepare("SELECT * FROM agents ORDER BY created_at, id");
  const getStmt = db.prepare("SELECT * FROM agents WHERE id = ?");
  const insertStmt = db.prepare(
    `INSERT INTO agents (id, name, type, settings, state, last_error, created_at, updated_at)
     VALUES (@id, @name, @type, @settings, @state, @last_error, @created_at, @updated_at)`,
  );
  const setStateStmt = db.prepare("UPDATE agents SET state = ?, last_error = ?, updated_at = ? WHERE id = ?");
  const removeStmt = db.prepare("DELETE FROM agents WHERE id = ?");
  const insertRunStmt = db.prepare(
    `INSERT INTO agent_runs (id, agent_id, task, status, answer, error, model, prompt_tokens, completion_tokens, started_at, finished_at)
     VALUES (@id, @agent_id, @task, @status, @answer, @error, @model, @prompt_tokens, @completion_tokens, @started_at, @finished_at)`,
  );
  const finishRunStmt = db.prepare(
    `UPDATE agent_runs SET status = @status, answer = @answer, error = @error, prompt_tokens = @prompt_tokens,
       completion_tokens = @completion_tokens, finished_at = @finished_at WHERE id = @id`,
  );
  const appendStepStmt = db.prepare(
    `INSERT INTO agent_run_steps (run_id, step, started_at, model_latency_ms, prompt_tokens, completion_tokens, content, tool_calls)
     VALUES (@run_id, @step, @started_at, @model_latency_ms, @prompt_tokens, @completion_tokens, @content, @tool_calls)`,
  );
  const listRunsStmt = db.prepare(`SELECT ${RUN_COLUMNS} FROM agent_runs r WHERE r.agent_id = ? ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?`);
  const getRunStmt = db.prepare(`SELECT ${RUN_COLUMNS} FROM agent_runs r WHERE r.agent_id = ? AND r.id = ?`);
  const stepsStmt = db.prepare("SELECT * FROM agent_run_steps WHERE run_id = ? ORDER BY step");
  const endRunsStmt = db.prepare("UPDATE agent_runs SET status = ?, error = ?, finished_at = ? WHERE status = ?");

  const agentOf = (row: Record<string, unknown>): AgentRecord => ({ ...(row as unknown as AgentRecord), settings: JSON.parse(row.settings as string) as unknown });
  const stepOf = (row: Record<string, unknown>): AgentStepRecord => ({ ...(row as unknown as AgentStepRecord), tool_calls: JSON.parse(row.tool_calls as string) as unknown });

  return {
    async list() {
      return (listStmt.all() as Record<string, unknown>[]).map(agentOf);
    },
    async get(id) {
      const row = getStmt.get(id) as Record<string, unknown> | undefined;
      return row ? agentOf(row) : undefined;
    },
    async insert(record) {
      insertStmt.run({ ...record, settings: JSON.stringify(record.settings) });
    },
    async setState(id, state, lastError, at) {
      setStateStmt.run(state, lastError, at, id);
    },
    async remove(id) {
      return removeStmt.run(id).changes > 0;
    },
    async insertRun(run) {
      insertRunStmt.run(run);
    },
    async finishRun(id, outcome) {
      finishRunStmt.run({ id, ...outcome });
    },
    async appendStep(step) {
      appendStepStmt.run({ ...step, tool_calls: JSON.stringify(step.tool_calls) });
    },
    async listRuns(agentId, limit) {
      return listRunsStmt.all(agentId, limit) as AgentRunRecord[];
    },
    async getRun(agentId, runId) {
      return getRunStmt.get(agentId, runId) as AgentRunRecord | undefined;
    },
    async steps(runId) {
      return (stepsStmt.all(runId) as Record<string, unknown>[]).map(stepOf);
    },
    async endUnfinishedRuns(from, to, error, at) {
      return endRunsStmt.run(to, error, at, from).changes;
    },
  };
}
