/**
 * The genome of an agent template — its instruction clauses, tool allowlist, temperature, step
 * limit and retrieval settings — the space each gene may take, and the seeded variation
 * operators (mutation and crossover) that move through that space.
 */
import { z } from "zod";
import { SEARCH_MODES, SearchModeSchema } from "../../rag/index.js";
import type { SeededRandom } from "./seeded-random.js";

export const RetrievalGenesSchema = z.object({
  mode: SearchModeSchema,
  /** Chunks retrieved per query. */
  limit: z.number().int().min(1).max(50),
  /** Reciprocal-rank fusion's k (hybrid mode): larger flattens the fused ranking. */
  rrf_k: z.number().int().min(1).max(500),
});
export type RetrievalGenes = z.infer<typeof RetrievalGenesSchema>;

export { DEFAULT_RETRIEVAL_GENES } from "./retrieval-defaults.js";

export const GenomeSchema = z.object({
  /** Instruction clauses, in the clause pool's order. */
  clauses: z.array(z.string().min(1).max(2_000)).max(100),
  /** Tools the agent may call, by gateway name. */
  tools: z.array(z.string().min(1).max(200)).max(200),
  temperature: z.number().min(0).max(2),
  step_limit: z.number().int().min(1).max(50),
  retrieval: RetrievalGenesSchema,
});
export type Genome = z.infer<typeof GenomeSchema>;

/** A genome that only retrieval settings matter to: what a retrieval run evolves. */
export function retrievalGenome(retrieval: RetrievalGenes): Genome {
  return { clauses: [], tools: [], temperature: 0, step_limit: 1, retrieval };
}

/** Which genes evolve; the others stay as the seed has them. */
export const GENES = ["clauses", "tools", "temperature", "step_limit", "retrieval"] as const;
export type Gene = (typeof GENES)[number];

export const GeneSpaceSchema = z
  .object({
    /** Every clause an instruction may be built from. */
    clause_pool: z.array(z.string().min(1).max(2_000)).max(100).default([]),
    /** Every tool the allowlist may hold. */
    tool_pool: z.array(z.string().min(1).max(200)).max(200).default([]),
    temperature: z.tuple([z.number().min(0).max(2), z.number().min(0).max(2)]).default([0, 1]),
    step_limit: z.tuple([z.number().int().min(1).max(50), z.number().int().min(1).max(50)]).default([1, 10]),
    retrieval_limit: z.tuple([z.number().int().min(1).max(50), z.number().int().min(1).max(50)]).default([1, 20]),
    rrf_k: z.tuple([z.number().int().min(1).max(500), z.number().int().min(1).max(500)]).default([1, 200]),
    evolve: z.array(z.enum(GENES)).min(1, "must name at least one gene").default([...GENES]),
  })
  .superRefine((space, context) => {
    for (const key of ["temperature", "step_limit", "retrieval_limit", "rrf_k"] as const) {
      if (space[key][0] > space[key][1]) context.addIssue({ code: "custom", path: [key], message: "the low end must not exceed the high end" });
    }
  });
export type GeneSpace = z.infer<typeof GeneSpaceSchema>;

/** A stable key for a genome: equal genomes share it, so one is never evaluated twice. */
export function genomeKey(genome: Genome): string {
  return JSON.stringify([genome.clauses, [...genome.tools].sort(), genome.temperature, genome.step_limit, genome.retrieval]);
}

function clamp(value: number, [low, high]: readonly [number, number]): number {
  return Math.min(high, Math.max(low, value));
}

/** Keeps a subset in its pool's order (clauses read in a fixed order; ties nothing to parents' order). */
function inPoolOrder(items: Iterable<string>, pool: readonly string[]): string[] {
  const chosen = new Set(items);
  const ordered = pool.filter((item) => chosen.has(item));
  for (const item of chosen) if (!pool.includes(item)) ordered.push(item);
  return ordered;
}

/** Adds a missing item of the pool or drops a present one, with even odds where both are possible. */
function toggleOne(items: readonly string[], pool: readonly string[], random: SeededRandom): string[] {
  const missing = pool.filter((item) => !items.includes(item));
  const add = missing.length > 0 && (items.length === 0 || random.chance(0.5));
  if (add) return inPoolOrder([...items, random.pick(missing)], pool);
  if (items.length === 0) return [...items];
  const drop = random.pick(items);
  return items.filter((item) => item !== drop);
}

function mutateGene(genome: Genome, gene: Gene, space: GeneSpace, random: SeededRandom): Genome {
  switch (gene) {
    case "clauses":
      return { ...genome, clauses: toggleOne(genome.clauses, space.clause_pool, random) };
    case "tools":
      return { ...genome, tools: toggleOne(genome.tools, space.tool_pool, random) };
    case "temperature": {
      const step = (random.int(1, 3) / 10) * (random.chance(0.5) ? 1 : -1);
      return { ...genome, temperature: Math.round(clamp(genome.temperature + step, space.temperature) * 10) / 10 };
    }
    case "step_limit":
      return { ...genome, step_limit: clamp(genome.step_limit + (random.chance(0.5) ? 1 : -1), space.step_limit) };
    case "retrieval": {
      const retrieval = { ...genome.retrieval };
      const which = random.int(0, 2);
      if (which === 0) retrieval.mode = random.pick(SEARCH_MODES.filter((mode) => mode !== retrieval.mode));
      else if (which === 1) retrieval.limit = clamp(retrieval.limit + random.pick([-3, -2, -1, 1, 2, 3]), space.retrieval_limit);
      else retrieval.rrf_k = clamp(Math.round(retrieval.rrf_k * random.pick([0.5, 0.67, 1.5, 2])), space.rrf_k);
      return { ...genome, retrieval };
    }
  }
}

/** One to three changes to the genes the space lets evolve. */
export function mutate(genome: Genome, space: GeneSpace, random: SeededRandom): Genome {
  let child = genome;
  const changes = random.int(1, 3);
  for (let i = 0; i < changes; i++) child = mutateGene(child, random.pick(space.evolve), space, random);
  return child;
}

/** Uniform crossover: each gene from either parent; clauses and tools each kept with even odds from the parents' union. */
export function crossover(a: Genome, b: Genome, space: GeneSpace, random: SeededRandom): Genome {
  const evolves = new Set(space.evolve);
  const mix = (left: readonly string[], right: readonly string[], pool: readonly string[]): string[] => {
    const shared = left.filter((item) => right.includes(item));
    const either = [...new Set([...left, ...right])].filter((item) => !shared.includes(item));
    return inPoolOrder([...shared, ...either.filter(() => random.chance(0.5))], pool);
  };
  return {
    clauses: evolves.has("clauses") ? mix(a.clauses, b.clauses, space.clause_pool) : a.clauses,
    tools: evolves.has("tools") ? mix(a.tools, b.tools, space.tool_pool) : a.tools,
    temperature: evolves.has("temperature") && random.chance(0.5) ? b.temperature : a.temperature,
    step_limit: evolves.has("step_limit") && random.chance(0.5) ? b.step_limit : a.step_limit,
    retrieval: evolves.has("retrieval")
      ? {
          mode: random.chance(0.5) ? b.retrieval.mode : a.retrieval.mode,
          limit: random.chance(0.5) ? b.retrieval.limit : a.retrieval.limit,
          rrf_k: random.chance(0.5) ? b.retrieval.rrf_k : a.retrieval.rrf_k,
        }
      : a.retrieval,
  };
}
