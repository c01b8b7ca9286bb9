import { describe, expect, it } from "vitest";
import { evolve, EvolutionSettingsSchema, type Candidate } from "./evolve.js";
import { GeneSpaceSchema, GenomeSchema, mutate, crossover, genomeKey, type Genome } from "./genome.js";
import { dominates, paretoFront, taskWins } from "./pareto.js";
import { score, ScorerSchema, type RunOutcome, type Scorer } from "./scorers.js";
import { SeededRandom } from "./seeded-random.js";

const JSON_CLAUSE = "Answer with a JSON object only.";
const UPPER_CLAUSE = "Write names in capital letters.";
const TOOL_CLAUSE = "Look the fact up with the lookup tool before answering.";
const POOL = [
  "Be concise.",
  JSON_CLAUSE,
  "Think step by step.",
  UPPER_CLAUSE,
  "Cite your sources.",
  TOOL_CLAUSE,
  "Never apologise.",
  "Prefer short words.",
];

/**
 * A rule-based model that stands in for an LLM: it does what a clause tells it and nothing
 * else, so a task succeeds only when the clauses it needs are in the instructions.
 */
function ruleModel(genome: Genome, question: { name: string }): RunOutcome {
  const name = genome.clauses.includes(UPPER_CLAUSE) ? question.name.toUpperCase() : question.name;
  const tool_calls = genome.clauses.includes(TOOL_CLAUSE) && genome.tools.includes("kb__lookup") ? [{ name: "kb__lookup", arguments: { name: question.name } }] : [];
  const answer = genome.clauses.includes(JSON_CLAUSE) ? JSON.stringify({ name }) : `The name is ${name}.`;
  return { answer, tool_calls, retrieved: [] };
}

interface Task {
  id: string;
  name: string;
  scorer: Scorer;
}

const TASKS: Task[] = [
  { id: "json", name: "ada", scorer: ScorerSchema.parse({ kind: "json_schema", schema: { type: "object", required: ["name"], properties: { name: { type: "string" } } } }) },
  { id: "upper", name: "grace", scorer: ScorerSchema.parse({ kind: "regex", pattern: "GRACE" }) },
  { id: "tool", name: "alan", scorer: ScorerSchema.parse({ kind: "tool_calls", expected: [{ name: "kb__lookup", arguments: { name: "alan" } }] }) },
  { id: "exact", name: "edsger", scorer: ScorerSchema.parse({ kind: "exact", expected: '{"name":"EDSGER"}' }) },
];

const SEED: Genome = GenomeSchema.parse({ clauses: ["Be concise."], tools: [], temperature: 0.7, step_limit: 4, retrieval: { mode: "bm25", limit: 5, rrf_k: 60 } });
const SPACE = GeneSpaceSchema.parse({ clause_pool: POOL, tool_pool: ["kb__lookup", "fs__write_file", "web__fetch"] });

async function run(seed: number, overrides: Record<string, unknown> = {}) {
  const generations: (readonly Candidate[])[] = [];
  let evaluated = 0;
  const result = await evolve({
    seed: SEED,
    space: SPACE,
    tasks: TASKS,
    settings: EvolutionSettingsSchema.parse({ seed, population: 10, generations: 30, budget: 5_000, stagnation: 12, ...overrides }),
    evaluate: async (genome, task) => {
      evaluated += 1;
      return score(task.scorer, ruleModel(genome, task));
    },
    onGeneration: (candidates) => {
      generations.push(candidates);
    },
  });
  return { result, generations, evaluated };
}

describe("evolution of an agent template", () => {
  it("finds the instruction clauses and the tool the tasks need, and its best score never drops", async () => {
    const { result, generations } = await run(7);
    expect(result.best.mean).toBe(1);
    expect(result.stop_reason).toBe("perfect");
    expect(result.best.genome.clauses).toEqual(expect.arrayContaining([JSON_CLAUSE, UPPER_CLAUSE, TOOL_CLAUSE]));
    expect(result.best.genome.tools).toContain("kb__lookup");
    for (let i = 1; i < result.best_by_generation.length; i++) {
      expect(result.best_by_generation[i]!).toBeGreaterThanOrEqual(result.best_by_generation[i - 1]!);
    }
    expect(result.best_by_generation[0]!).toBeLessThan(1);
    expect(generations).toHaveLength(result.generations);
  });

  it("carries the best of each generation into the next unchanged, whatever the seed", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { result, generations } = await run(seed, { population: 4, crossover_rate: 0.9 });
      for (let g = 1; g < generations.length; g++) {
        const previousBest = generations[g - 1]![0]!;
        const carried = generations[g]!.find((candidate) => candidate.origin === "elite" && candidate.parents[0] === previousBest.id);
        expect(carried && genomeKey(carried.genome)).toBe(genomeKey(previousBest.genome));
        expect(result.best_by_generation[g]!).toBeGreaterThanOrEqual(result.best_by_generation[g - 1]!);
      }
    }
  });

  it("keeps a lineage: every candidate's parents are in the generation before it", async () => {
    const { generations } = await run(7);
    for (let g = 1; g < generations.length; g++) {
      const before = new Set(generations[g - 1]!.map((candidate) => candidate.id));
      for (const candidate of generations[g]!) {
        expect(candidate.parents.length).toBeGreaterThan(0);
        for (const parent of candidate.parents) expect(before.has(parent)).toBe(true);
      }
    }
    expect(generations[0]![0]!.origin === "seed" || generations[0]!.some((candidate) => candidate.origin === "seed")).toBe(true);
  });

  it("repeats itself exactly for the same seed, and explores differently for another", async () => {
    const a = await run(11);
    const b = await run(11);
    expect(b.result.best_by_generation).toEqual(a.result.best_by_generation);
    expect(b.generations.map((gen) => gen.map((c) => genomeKey(c.genome)))).toEqual(a.generations.map((gen) => gen.map((c) => genomeKey(c.genome))));
    const c = await run(12);
    expect(c.generations.map((gen) => gen.map((each) => genomeKey(each.genome)))).not.toEqual(a.generations.map((gen) => gen.map((each) => genomeKey(each.genome))));
  });

  it("lets the event loop turn between evaluations, so a long run does not hold up the rest of the daemon", async () => {
    let turns = 0;
    let done = false;
    const turn = (): void => {
      turns += 1;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const { evaluated } = await run(3, { budget: 200 });
    done = true;
    // Evaluations that answer at once (as a search of the index does) still leave a turn between them.
    expect(turns).toBeGreaterThanOrEqual(evaluated - 1);
  });

  it("stops when the budget is spent, never evaluating past it, and evaluates a genome once", async () => {
    const { result, evaluated } = await run(3, { budget: 60 });
    expect(result.stop_reason).toBe("budget");
    expect(evaluated).toBeLessThanOrEqual(60);
    expect(result.evaluations).toBe(evaluated);
  });

  it("stops on stagnation when nothing better can be found", async () => {
    const flat = await evolve({
      seed: SEED,
      space: SPACE,
      tasks: TASKS,
      settings: EvolutionSettingsSchema.parse({ seed: 1, population: 4, generations: 50, stagnation: 3 }),
      evaluate: async () => 0.25,
    });
    expect(flat.stop_reason).toBe("stagnation");
    expect(flat.generations).toBe(4);
  });

  it("refuses settings that make no sense, naming the field", () => {
    const parsed = EvolutionSettingsSchema.safeParse({ population: 2, elite: 2 });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(["elite"]);
    const space = GeneSpaceSchema.safeParse({ temperature: [1.5, 0.5] });
    expect(space.error!.issues[0]!.path).toEqual(["temperature"]);
  });
});

describe("variation and selection", () => {
  it("mutates only the genes the space lets evolve, within their ranges", () => {
    const random = new SeededRandom(5);
    const space = GeneSpaceSchema.parse({ clause_pool: POOL, evolve: ["retrieval"], retrieval_limit: [2, 8], rrf_k: [10, 100] });
    for (let i = 0; i < 200; i++) {
      const child = mutate(SEED, space, random);
      expect(child.clauses).toEqual(SEED.clauses);
      expect(child.temperature).toBe(SEED.temperature);
      expect(child.retrieval.limit).toBeGreaterThanOrEqual(2);
      expect(child.retrieval.limit).toBeLessThanOrEqual(8);
      expect(child.retrieval.rrf_k).toBeGreaterThanOrEqual(10);
      expect(child.retrieval.rrf_k).toBeLessThanOrEqual(100);
    }
  });

  it("crosses two parents into a child whose clauses come from them, in the pool's order", () => {
    const random = new SeededRandom(9);
    const a = { ...SEED, clauses: [POOL[0]!, POOL[3]!] };
    const b = { ...SEED, clauses: [POOL[5]!, POOL[0]!] };
    for (let i = 0; i < 50; i++) {
      const child = crossover(a, b, SPACE, random);
      expect(child.clauses).toContain(POOL[0]);
      for (const clause of child.clauses) expect([...a.clauses, ...b.clauses]).toContain(clause);
      expect(child.clauses).toEqual(POOL.filter((clause) => child.clauses.includes(clause)));
    }
  });

  it("keeps a specialist that wins a task on the Pareto front even with a lower mean", () => {
    const tasks = ["a", "b", "c"];
    const generalist = { id: "g", scores: { a: 0.6, b: 0.6, c: 0.6 }, mean: 0.6 };
    const specialist = { id: "s", scores: { a: 1, b: 0, c: 0 }, mean: 1 / 3 };
    const weak = { id: "w", scores: { a: 0.5, b: 0.5, c: 0.5 }, mean: 0.5 };
    expect(dominates(generalist, weak, tasks)).toBe(true);
    expect(paretoFront([generalist, specialist, weak], tasks).map((each) => each.id)).toEqual(["g", "s"]);
    expect(taskWins([generalist, specialist, weak], tasks)).toEqual(new Map([["g", 2], ["s", 1], ["w", 0]]));
  });

  it("scores answers deterministically", () => {
    const outcome: RunOutcome = { answer: ' {"n": 1} ', tool_calls: [{ name: "x", arguments: { a: 1 } }, { name: "y", arguments: {} }], retrieved: ["d1", "d7", "d3"] };
    expect(score(ScorerSchema.parse({ kind: "exact", expected: '{"N": 1}' }), outcome)).toBe(1);
    expect(score(ScorerSchema.parse({ kind: "exact", expected: '{"N": 1}', case_sensitive: true }), outcome)).toBe(0);
    expect(score(ScorerSchema.parse({ kind: "json_schema", schema: { type: "object", properties: { n: { type: "string" } }, required: ["n"] } }), outcome)).toBe(0);
    expect(score(ScorerSchema.parse({ kind: "tool_calls", expected: [{ name: "x", arguments: { a: 1 } }] }), outcome)).toBe(0.5);
    expect(score(ScorerSchema.parse({ kind: "retrieval_recall", relevant: ["d3", "d9"], k: 3 }), outcome)).toBe(0.5);
    expect(ScorerSchema.safeParse({ kind: "regex", pattern: "x", flags: "g" }).success).toBe(false);
  });
});
