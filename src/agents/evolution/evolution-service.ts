/**
 * Evolution runs as the product keeps them: a run starts at once and goes on in the background,
 * each generation (with its lineage) is written to the store as it finishes, progress is
 * published on the bus, and a run can be read, awaited or aborted. Runs a stopped daemon left
 * unfinished are marked aborted at start.
 */
import { z } from "zod";
import type { MessageBus } from "../../bus/index.js";
import { zodIssues } from "../../config/validate.js";
import type { Clock } from "../../core/clock.js";
import { AppError, errorMessage } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import type { EvolutionCandidateRecord, EvolutionRepository, EvolutionRunRecord } from "../../store/index.js";
import { evolve, EvolutionSettingsSchema, type Candidate, type EvolutionSettings } from "./evolve.js";
import { GeneSpaceSchema, GenomeSchema, type GeneSpace, type Genome } from "./genome.js";
import type { EvolutionKind } from "./kinds.js";

export const EVOLUTION_KINDS = ["retrieval", "agent"] as const;
export type EvolutionKindName = (typeof EVOLUTION_KINDS)[number];

/** A run as a user asks for it (REST, CLI): the kind decides what the tasks look like and what evolves by default. */
export const EvolutionRunBodySchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200),
    kind: z.enum(EVOLUTION_KINDS),
    /** The agent whose template evolves (kind agent). */
    agent_id: z.string().min(1).max(200).optional(),
    tasks: z.array(z.unknown()).min(1, "must hold at least one task").max(1_000),
    /** Where the search starts; by default the agent's template or the retrieval defaults. */
    seed: GenomeSchema.optional(),
    /** The gene space (see GeneSpace); `evolve` defaults to what the kind can change. */
    space: z.record(z.string(), z.unknown()).optional(),
    settings: EvolutionSettingsSchema.default(EvolutionSettingsSchema.parse({})),
  })
  .strict();
export type EvolutionRunBody = z.infer<typeof EvolutionRunBodySchema>;

interface EvolutionRequest {
  name: string;
  seed: Genome;
  space: GeneSpace;
  settings: EvolutionSettings;
}

export interface EvolutionRunView extends EvolutionRunRecord {
  /** The best genome so far, or null before the first generation is written. */
  best_genome: Genome | null;
}

export interface StartEvolution<Task extends { id: string }> extends EvolutionRequest {
  /** What is evolved and how it is scored ("retrieval", "agent"). */
  kind: string;
  tasks: readonly Task[];
  evaluate: (genome: Genome, task: Task) => Promise<number>;
}

export interface EvolutionServiceDeps {
  repository: EvolutionRepository;
  /** The kinds this daemon can evolve (retrieval needs the retrieval system, agent the agent factory). */
  kinds?: Partial<Record<EvolutionKindName, EvolutionKind>>;
  clock: Clock;
  bus?: MessageBus;
  logger?: Logger;
}

function toRecord(runId: string, candidate: Candidate): EvolutionCandidateRecord {
  return { run_id: runId, ...candidate };
}

export class EvolutionService {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: EvolutionServiceDeps) {}

  /** Marks the runs a stopped daemon left unfinished as aborted. */
  async recover(): Promise<number> {
    return this.deps.repository.abortUnfinished(this.deps.clock.now());
  }

  /** Starts a run as a user asked for it: the kind checks the tasks and gives the seed and the genes that evolve. */
  async submit(body: EvolutionRunBody): Promise<EvolutionRunView> {
    const kind = this.deps.kinds?.[body.kind];
    if (!kind) {
      throw new AppError("VALIDATION_FAILED", `this daemon cannot evolve kind "${body.kind}": ${body.kind === "agent" ? "the agent factory" : "the retrieval system"} is not set up`, {
        issues: [{ field: "kind", message: "is not set up on this daemon" }],
      });
    }
    const prepared = await kind.prepare({ tasks: body.tasks, seed: body.seed, agent_id: body.agent_id });
    const space = GeneSpaceSchema.safeParse({
      clause_pool: prepared.seed.clauses,
      tool_pool: prepared.seed.tools,
      evolve: prepared.evolve,
      ...body.space,
    });
    if (!space.success) {
      const issues = zodIssues(space.error, "space");
      throw new AppError("VALIDATION_FAILED", `the gene space is not valid: ${issues[0]!.field} ${issues[0]!.message}`, { issues });
    }
    return this.start({ name: body.name, kind: body.kind, seed: prepared.seed, space: space.data, settings: body.settings, tasks: prepared.tasks, evaluate: prepared.evaluate as (genome: Genome, task: { id: string }) => Promise<number> });
  }

  async start<Task extends { id: string }>(request: StartEvolution<Task>): Promise<EvolutionRunView> {
    if (request.tasks.length === 0) {
      throw new AppError("VALIDATION_FAILED", "the task suite is empty", { issues: [{ field: "tasks", message: "must hold at least one task" }] });
    }
    const id = newId();
    const record: EvolutionRunRecord = {
      id,
      name: request.name,
      kind: request.kind,
      state: "running",
      settings: { settings: request.settings, space: request.space, seed: request.seed },
      tasks: request.tasks,
      best_candidate: null,
      best_score: null,
      generations: 0,
      evaluations: 0,
      stop_reason: null,
      error: null,
      started_at: this.deps.clock.now(),
      finished_at: null,
    };
    await this.deps.repository.createRun(record);
    const abort = new AbortController();
    const done = this.run(id, request, abort.signal).finally(() => this.running.delete(id));
    this.running.set(id, { abort, done });
    return { ...record, best_genome: null };
  }

  /** Resolves when the run has ended (at once for one not running here). */
  async wait(id: string): Promise<EvolutionRunView> {
    await this.running.get(id)?.done;
    return this.get(id);
  }

  abort(id: string): boolean {
    const run = this.running.get(id);
    run?.abort.abort();
    return run !== undefined;
  }

  async get(id: string): Promise<EvolutionRunView> {
    const run = await this.deps.repository.getRun(id);
    if (!run) throw new AppError("NOT_FOUND", `no evolution run has id "${id}"`);
    return this.view(run);
  }

  async list(limit = 50): Promise<EvolutionRunRecord[]> {
    return this.deps.repository.listRuns(limit);
  }

  /** Every candidate of the run by generation, each with its parents: the lineage. */
  async lineage(id: string): Promise<EvolutionCandidateRecord[]> {
    await this.get(id);
    return this.deps.repository.candidates(id);
  }

  /** Aborts the runs in progress and waits for them to record it. */
  async close(): Promise<void> {
    const runs = [...this.running.values()];
    for (const run of runs) run.abort.abort();
    await Promise.all(runs.map((run) => run.done));
  }

  private async view(run: EvolutionRunRecord): Promise<EvolutionRunView> {
    if (!run.best_candidate) return { ...run, best_genome: null };
    const best = (await this.deps.repository.candidates(run.id)).find((candidate) => candidate.id === run.best_candidate);
    return { ...run, best_genome: (best?.genome as Genome | undefined) ?? null };
  }

  private async run<Task extends { id: string }>(id: string, request: StartEvolution<Task>, signal: AbortSignal): Promise<void> {
    let evaluations = 0;
    const counting = async (genome: Genome, task: Task): Promise<number> => {
      evaluations += 1;
      return request.evaluate(genome, task);
    };
    try {
      const result = await evolve({
        seed: request.seed,
        space: request.space,
        tasks: request.tasks,
        settings: request.settings,
        evaluate: counting,
        signal,
        onGeneration: async (candidates) => {
          const best = candidates[0]!;
          await this.deps.repository.recordGeneration(
            id,
            candidates.map((candidate) => toRecord(id, candidate)),
            { best_candidate: best.id, best_score: best.mean, generations: best.generation + 1, evaluations },
          );
          this.deps.bus?.publish({ type: "evolution_generation", run_id: id, generation: best.generation, best_score: best.mean, evaluations, at: this.deps.clock.now() });
        },
      });
      await this.deps.repository.finishRun(id, { state: result.stop_reason === "aborted" ? "aborted" : "finished", stop_reason: result.stop_reason, error: null, finished_at: this.deps.clock.now() });
    } catch (error) {
      const aborted = signal.aborted;
      if (!aborted) this.deps.logger?.warn({ err: error, run_id: id }, "evolution run failed");
      await this.deps.repository.finishRun(id, {
        state: aborted ? "aborted" : "failed",
        stop_reason: aborted ? "aborted" : null,
        error: aborted ? "aborted" : errorMessage(error),
        finished_at: this.deps.clock.now(),
      });
    }
    this.deps.bus?.publish({ type: "evolution_finished", run_id: id, at: this.deps.clock.now() });
  }
}
