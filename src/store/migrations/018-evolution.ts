import type { Migration } from "./index.js";

/**
 * Evolution runs of agent templates: each run's settings and outcome, and every candidate of
 * every generation with its genome, its parents (the lineage) and its score on each task.
 */
export const migration018: Migration = {
  version: 18,
  name: "evolution runs and their candidates",
  statements: [
    `CREATE TABLE evolution_runs (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      state TEXT NOT NULL,
      settings TEXT NOT NULL,
      tasks TEXT NOT NULL,
      best_candidate TEXT,
      best_score REAL,
      generations INTEGER NOT NULL DEFAULT 0,
      evaluations INTEGER NOT NULL DEFAULT 0,
      stop_reason TEXT,
      error TEXT,
      started_at BIGINT NOT NULL,
      finished_at BIGINT
    )`,
    `CREATE TABLE evolution_candidates (
      run_id TEXT NOT NULL REFERENCES evolution_runs(id) ON DELETE CASCADE,
      id TEXT NOT NULL,
      generation INTEGER NOT NULL,
      origin TEXT NOT NULL,
      parents TEXT NOT NULL,
      genome TEXT NOT NULL,
      scores TEXT NOT NULL,
      mean REAL NOT NULL,
      PRIMARY KEY (run_id, id)
    )`,
    "CREATE INDEX evolution_candidates_generation ON evolution_candidates (run_id, generation)",
    "CREATE INDEX evolution_runs_started ON evolution_runs (started_at)",
  ],
};
