/**
 * Evolution runs and their candidates: a run's settings, progress and outcome, and each
 * generation's candidates with genome, parents and per-task scores, written one generation per
 * transaction so a run read mid-way is never half a generation.
 */
import type { SqliteDatabase } from "./database.js";

export type EvolutionRunState = "running" | "finished" | "failed" | "aborted";

export interface EvolutionRunRecord {
  id: string;
  name: string;
  /** What is evolved and how it is scored, e.g. "retrieval" or "agent". */
  kind: string;
  state: EvolutionRunState;
  settings: unknown;
  tasks: unknown;
  best_candidate: string | null;
  best_score: number | null;
  generations: number;
  evaluations: number;
  stop_reason: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface EvolutionCandidateRecord {
  run_id: string;
  id: string;
  generation: number;
  origin: string;
  parents: string[];
  genome: unknown;
  scores: Record<string, number>;
  mean: number;
}

export interface EvolutionProgress {
  best_candidate: string;
  best_score: number;
  generations: number;
  evaluations: number;
}

export interface EvolutionRepository {
  createRun(record: EvolutionRunRecord): Promise<void>;
  /** Stores one generation's candidates and the run's progress together. */
  recordGeneration(runId: string, candidates: readonly EvolutionCandidateRecord[], progress: EvolutionProgress): Promise<void>;
  finishRun(runId: string, outcome: Pick<EvolutionRunRecord, "state" | "stop_reason" | "error" | "finished_at">): Promise<void>;
  getRun(id: string): Promise<EvolutionRunRecord | undefined>;
  /** Newest first. */
  listRuns(limit: number): Promise<EvolutionRunRecord[]>;
  candidates(runId: string): Promise<EvolutionCandidateRecord[]>;
  deleteRun(id: string): Promise<boolean>;
  /** Runs a stopped daemon left running are aborted; resolves with how many. */
  abortUnfinished(at: number): Promise<number>;
}

type RunRow = Omit<EvolutionRunRecord, "settings" | "tasks"> & { settings: string; tasks: string };
type CandidateRow = Omit<EvolutionCandidateRecord, "parents" | "genome" | "scores"> & { parents: string; genome: string; scores: string };

function toRun(row: RunRow): EvolutionRunRecord {
  return { ...row, settings: JSON.parse(row.settings) as unknown, tasks: JSON.parse(row.tasks) as unknown };
}

function toCandidate(row: CandidateRow): EvolutionCandidateRecord {
  return {
    ...row,
    parents: JSON.parse(row.parents) as string[],
    genome: JSON.parse(row.genome) as unknown,
    scores: JSON.parse(row.scores) as Record<string, number>,
  };
}

export function sqliteEvolutionRepository(db: SqliteDatabase): EvolutionRepository {
  const insertRun = db.prepare(
    `INSERT INTO evolution_runs (id, name, kind, state, settings, tasks, best_candidate, best_score, generations, evaluations, stop_reason, error, started_at, finished_at)
     VALUES (@id, @name, @kind, @state, @settings, @tasks, @best_candidate, @best_score, @generations, @evaluations, @stop_reason, @error, @started_at, @finished_at)`,
  );
  const insertCandidate = db.prepare(
    `INSERT INTO evolution_candidates (run_id, id, generation, origin, parents, genome, scores, mean)
     VALUES (@run_id, @id, @generation, @origin, @parents, @genome, @scores, @mean)`,
  );
  const progressStmt = db.prepare(
    "UPDATE evolution_runs SET best_candidate = @best_candidate, best_score = @best_score, generations = @generations, evaluations = @evaluations WHERE id = @id",
  );
  const finishStmt = db.prepare(
    "UPDATE evolution_runs SET state = @state, stop_reason = @stop_reason, error = @error, finished_at = @finished_at WHERE id = @id",
  );
  const getStmt = db.prepare("SELECT * FROM evolution_runs WHERE id = ?");
  const listStmt = db.prepare("SELECT * FROM evolution_runs ORDER BY started_at DESC, id LIMIT ?");
  const candidatesStmt = db.prepare("SELECT * FROM evolution_candidates WHERE run_id = ? ORDER BY generation, mean DESC, id");
  const deleteStmt = db.prepare("DELETE FROM evolution_runs WHERE id = ?");
  const abortStmt = db.prepare(
    "UPDATE evolution_runs SET state = 'aborted', stop_reason = 'aborted', error = 'the daemon stopped during the run', finished_at = ? WHERE state = 'running'",
  );
  const generationTx = db.transaction((runId: string, candidates: readonly EvolutionCandidateRecord[], progress: EvolutionProgress) => {
    for (const candidate of candidates) {
      insertCandidate.run({
        ...candidate,
        run_id: runId,
        parents: JSON.stringify(candidate.parents),
        genome: JSON.stringify(candidate.genome),
        scores: JSON.stringify(candidate.scores),
      });
    }
    progressStmt.run({ ...progress, id: runId });
  });
  return {
    async createRun(record) {
      insertRun.run({ ...record, settings: JSON.stringify(record.settings), tasks: JSON.stringify(record.tasks) });
    },
    async recordGeneration(runId, candidates, progress) {
      generationTx(runId, candidates, progress);
    },
    async finishRun(runId, outcome) {
      finishStmt.run({ ...outcome, id: runId });
    },
    async getRun(id) {
      const row = getStmt.get(id) as RunRow | undefined;
      return row && toRun(row);
    },
    async listRuns(limit) {
      return (listStmt.all(limit) as RunRow[]).map(toRun);
    },
    async candidates(runId) {
      return (candidatesStmt.all(runId) as CandidateRow[]).map(toCandidate);
    },
    async deleteRun(id) {
      return deleteStmt.run(id).changes > 0;
    },
    async abortUnfinished(at) {
      return abortStmt.run(at).changes;
    },
  };
}
