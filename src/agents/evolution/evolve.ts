/**
 * The evolution loop: a population of genomes, each scored on every task of a suite, improved by
 * seeded mutation and crossover of parents drawn from the Pareto front, with the best few kept
 * unchanged (elitism, so the best score never drops). It stops at a perfect score, after a number
 * of generations, when the evaluation budget is spent, or when the best has not improved for a
 * while (stagnation). Every generation is handed to `onGeneration` with each candidate's parents,
 * so its lineage can be kept and shown.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { z } from "zod";
import { crossover, genomeKey, mutate, type GeneSpace, type Genome } from "./genome.js";
import { pickParent, rank } from "./pareto.js";
import { SeededRandom } from "./seeded-random.js";

export const EvolutionSettingsSchema = z
  .object({
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
    population: z.number().int().min(2).max(200).default(8),
    /** The most generations, the first (the seed and its mutants) included. */
    generations: z.number().int().min(1).max(1_000).default(10),
    /** Best candidates carried unchanged into the next generation. */
    elite: z.number().int().min(1).max(50).default(2),
    /** The most task evaluations (candidate × task) the run may spend. */
    budget: z.number().int().min(1).max(1_000_000).default(1_000),
    /** Generations without a better best before the run stops. */
    stagnation: z.number().int().min(1).max(1_000).default(4),
    /** Share of children made by crossover of two parents (the rest by mutation of one). */
    crossover_rate: z.number().min(0).max(1).default(0.5),
  })
  .refine((settings) => settings.elite < settings.population, { path: ["elite"], message: "must be smaller than population" });
export type EvolutionSettings = z.infer<typeof EvolutionSettingsSchema>;

export type CandidateOrigin = "seed" | "mutation" | "crossover" | "elite";

export interface Candidate {
  /** `g<generation>-<n>`. */
  id: string;
  generation: number;
  genome: Genome;
  origin: CandidateOrigin;
  /** The candidates of the previous generation it came from. */
  parents: string[];
  scores: Record<string, number>;
  mean: number;
}

export type StopReason = "perfect" | "generations" | "budget" | "stagnation" | "aborted";

export interface EvolutionResult {
  best: Candidate;
  generations: number;
  evaluations: number;
  stop_reason: StopReason;
  /** The best mean score after each generation (never decreasing). */
  best_by_generation: number[];
}

export interface EvolveOptions<Task extends { id: string }> {
  seed: Genome;
  space: GeneSpace;
  tasks: readonly Task[];
  /** A score in [0, 1] for the genome on the task; deterministic scorers make a run repeatable. */
  evaluate: (genome: Genome, task: Task) => Promise<number>;
  settings: EvolutionSettings;
  onGeneration?: (candidates: readonly Candidate[]) => Promise<void> | void;
  signal?: AbortSignal;
}

const NOVELTY_TRIES = 8;
const IMPROVEMENT = 1e-9;

export async function evolve<Task extends { id: string }>(options: EvolveOptions<Task>): Promise<EvolutionResult> {
  const { space, tasks, settings } = options;
  if (tasks.length === 0) throw new Error("the task suite is empty");
  const taskIds = tasks.map((task) => task.id);
  const random = new SeededRandom(settings.seed);
  const known = new Map<string, Record<string, number>>();
  let evaluations = 0;

  /** Scores a genome on every task, once per distinct genome; undefined when the budget cannot pay for it. */
  const score = async (genome: Genome): Promise<Record<string, number> | undefined> => {
    const key = genomeKey(genome);
    const cached = known.get(key);
    if (cached) return cached;
    if (evaluations + tasks.length > settings.budget) return undefined;
    const scores: Record<string, number> = {};
    for (const task of tasks) {
      // A search of the index answers synchronously: without a turn of the event loop between
      // evaluations, a run would hold the daemon (its requests, /ws, checks) until it ended.
      await nextTurn();
      options.signal?.throwIfAborted();
      const value = await options.evaluate(genome, task);
      scores[task.id] = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
      evaluations += 1;
    }
    known.set(key, scores);
    return scores;
  };
  const mean = (scores: Record<string, number>): number => taskIds.reduce((sum, id) => sum + scores[id]!, 0) / taskIds.length;

  const make = async (generation: number, index: number, genome: Genome, origin: CandidateOrigin, parents: string[]): Promise<Candidate | undefined> => {
    const scores = await score(genome);
    return scores && { id: `g${generation}-${index}`, generation, genome, origin, parents, scores, mean: mean(scores) };
  };

  type Child = Pick<Candidate, "genome" | "origin" | "parents">;
  /**
   * Adds children from `breed` until the generation is full, each one not yet in it when a few
   * tries find one; false when the budget ran out first.
   */
  const fill = async (members: Candidate[], generation: number, breed: () => Child): Promise<boolean> => {
    const taken = new Set(members.map((member) => genomeKey(member.genome)));
    while (members.length < settings.population) {
      let child = breed();
      for (let i = 1; i < NOVELTY_TRIES && taken.has(genomeKey(child.genome)); i++) child = breed();
      taken.add(genomeKey(child.genome));
      const candidate = await make(generation, members.length, child.genome, child.origin, child.parents);
      if (!candidate) return false;
      members.push(candidate);
    }
    return true;
  };

  let stopReason: StopReason = "generations";
  const first = await make(0, 0, options.seed, "seed", []);
  if (!first) throw new Error(`the budget (${settings.budget}) cannot pay for one evaluation of the seed on ${tasks.length} tasks`);
  const initial = [first];
  if (!(await fill(initial, 0, () => ({ genome: mutate(options.seed, space, random), origin: "mutation", parents: [first.id] })))) stopReason = "budget";
  let population = rank(initial, taskIds);
  await options.onGeneration?.(population);
  const bestByGeneration = [population[0]!.mean];
  let sinceImprovement = 0;

  for (let generation = 1; generation < settings.generations && stopReason === "generations"; generation++) {
    if (population[0]!.mean >= 1) {
      stopReason = "perfect";
      break;
    }
    if (options.signal?.aborted) {
      stopReason = "aborted";
      break;
    }
    const parents = population;
    const next: Candidate[] = parents
      .slice(0, settings.elite)
      .map((elite, index) => ({ ...elite, id: `g${generation}-${index}`, generation, origin: "elite", parents: [elite.id] }));
    const breed = (): Child => {
      const parent = pickParent(parents, taskIds, random);
      if (parents.length < 2 || !random.chance(settings.crossover_rate)) {
        return { genome: mutate(parent.genome, space, random), origin: "mutation", parents: [parent.id] };
      }
      const other = pickParent(parents.filter((each) => each !== parent), taskIds, random);
      return { genome: mutateSometimes(crossover(parent.genome, other.genome, space, random), space, random), origin: "crossover", parents: [parent.id, other.id] };
    };
    if (!(await fill(next, generation, breed))) stopReason = "budget";
    population = rank(next, taskIds);
    await options.onGeneration?.(population);
    const best = population[0]!.mean;
    sinceImprovement = best > bestByGeneration[bestByGeneration.length - 1]! + IMPROVEMENT ? 0 : sinceImprovement + 1;
    bestByGeneration.push(best);
    if (stopReason === "generations" && sinceImprovement >= settings.stagnation) stopReason = "stagnation";
  }
  if (stopReason === "generations" && population[0]!.mean >= 1) stopReason = "perfect";
  return { best: population[0]!, generations: bestByGeneration.length, evaluations, stop_reason: stopReason, best_by_generation: bestByGeneration };
}

/** A crossover child is also mutated half the time, so two equal parents still explore. */
function mutateSometimes(genome: Genome, space: GeneSpace, random: SeededRandom): Genome {
  return random.chance(0.5) ? mutate(genome, space, random) : genome;
}
