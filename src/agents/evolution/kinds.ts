/**
 * What can be evolved and how it is scored. A kind checks the tasks a request brings, gives the
 * seed genome and the genes that move when the request names none, and scores a genome on one
 * task. `retrieval` needs no model: it scores the retrieval settings by recall@k on labelled
 * queries; `agent` runs an agent with the genome's instructions and tools on each task.
 */
import { z } from "zod";
import { zodIssues } from "../../config/validate.js";
import { AppError } from "../../core/errors.js";
import { GenomeSchema, retrievalGenome, type GeneSpace, type Genome, type RetrievalGenes } from "./genome.js";
import { recallAtK } from "../../rag/index.js";
import type { AgentFactory } from "../agent-factory.js";
import type { AgentSettings } from "../templates.js";
import { ScorerSchema, score } from "./scorers.js";

export interface PreparedEvolution {
  tasks: { id: string }[];
  seed: Genome;
  /** The genes that evolve unless the request says otherwise. */
  evolve: GeneSpace["evolve"];
  evaluate: (genome: Genome, task: never) => Promise<number>;
}

export interface EvolutionKind {
  /** Checks the kind's part of a request (field names as `tasks[<i>].<field>`) and prepares the run. */
  prepare(input: { tasks: unknown[]; seed?: Genome | undefined; agent_id?: string | undefined }): Promise<PreparedEvolution>;
}

/**
 * Parses the tasks with the kind's schema, naming a bad one's field as `tasks[<index>].<field>`;
 * a task without an id is `q<n>` (its place, from 1).
 */
function parseTasks<T extends { id?: string | undefined }>(schema: z.ZodType<T>, tasks: unknown[]): (T & { id: string })[] {
  const parsed = z.array(schema).safeParse(tasks);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, "tasks");
    throw new AppError("VALIDATION_FAILED", `the tasks are not valid: ${issues[0]!.field} ${issues[0]!.message}`, { issues });
  }
  const named = parsed.data.map((task, index) => ({ ...task, id: task.id ?? `q${index + 1}` }));
  const seen = new Set<string>();
  for (const [index, task] of named.entries()) {
    if (seen.has(task.id)) throw new AppError("VALIDATION_FAILED", `task id "${task.id}" is used twice`, { issues: [{ field: `tasks[${index}].id`, message: "is used twice" }] });
    seen.add(task.id);
  }
  return named;
}

const TaskIdSchema = z.string().trim().min(1, "must not be empty").max(200);

/** A labelled query, in the format of test/fixtures/rag-corpus/queries.json; `id` defaults to `q<n>`. */
export const RetrievalTaskSchema = z.object({
  id: TaskIdSchema.optional(),
  q: z.string().trim().min(1, "must not be empty").max(1_000),
  /** The documents that answer the query, by name, with or without the name's extension (`sqlite-wal` or `sqlite-wal.md`). */
  relevant: z.array(z.string().min(1)).min(1, "must name at least one document"),
  k: z.number().int().min(1).max(50).default(5),
});
export type RetrievalTask = z.infer<typeof RetrievalTaskSchema> & { id: string };

/**
 * A document's name without its folder and its extension, so a label matches it either way:
 * `sqlite-wal` names a document ingested as `sqlite-wal.md`, `/home/me/docs/sqlite-wal.md` (the
 * CLI names a file by its path) or `https://example.com/sqlite-wal.html`.
 */
export function documentKey(name: string): string {
  const last = name.split(/[\\/]/).findLast((part) => part !== "") ?? name;
  return last.replace(/\.[A-Za-z0-9]{1,8}$/, "");
}

/** Searches with the given settings; resolves with the hits' document names, best first. */
export type RetrievalSearch = (query: string, settings: RetrievalGenes) => Promise<string[]>;

export function retrievalKind(search: RetrievalSearch, defaults: RetrievalGenes): EvolutionKind {
  return {
    async prepare(input) {
      const tasks = parseTasks(RetrievalTaskSchema, input.tasks);
      const seed = input.seed ?? retrievalGenome(defaults);
      const evaluate = async (genome: Genome, task: RetrievalTask): Promise<number> => {
        const found = [...new Set((await search(task.q, genome.retrieval)).map(documentKey))];
        return recallAtK(task.relevant.map(documentKey), found, task.k);
      };
      return { tasks, seed, evolve: ["retrieval"], evaluate: evaluate as PreparedEvolution["evaluate"] };
    },
  };
}

export const AgentTaskSchema = z.object({
  id: TaskIdSchema,
  /** What the agent is asked. */
  prompt: z.string().trim().min(1, "must not be empty").max(20_000),
  scorer: ScorerSchema,
});
export type AgentTask = z.infer<typeof AgentTaskSchema>;

/** What of the Agent Factory an agent evolution uses: an agent's settings, and trials that keep nothing. */
export type AgentTrials = Pick<AgentFactory, "get" | "trial">;

/** An agent's settings as a genome: its instructions cut into clauses (lines, then sentences). */
export function genomeOfSettings(settings: AgentSettings): Genome {
  const clauses = settings.instructions
    .split(/\n+|(?<=[.!?])\s+/)
    .map((clause) => clause.trim())
    .filter((clause) => clause !== "");
  return GenomeSchema.parse({
    clauses,
    tools: settings.tools,
    temperature: settings.temperature,
    step_limit: settings.max_steps,
    retrieval: { mode: "bm25", limit: settings.retrieval.limit, rrf_k: 60 },
  });
}

export function agentKind(agents: AgentTrials): EvolutionKind {
  return {
    async prepare(input) {
      const agentId = input.agent_id;
      if (!agentId) throw new AppError("VALIDATION_FAILED", "an agent evolution names its agent", { issues: [{ field: "agent_id", message: "is required for kind agent" }] });
      const tasks = parseTasks(AgentTaskSchema, input.tasks);
      const seed = input.seed ?? genomeOfSettings((await agents.get(agentId)).settings);
      const evaluate = async (genome: Genome, task: AgentTask): Promise<number> => {
        const settings = { instructions: genome.clauses.join("\n"), tools: genome.tools, temperature: genome.temperature, max_steps: genome.step_limit };
        return score(task.scorer, await agents.trial(agentId, settings, task.prompt));
      };
      return { tasks, seed, evolve: ["clauses", "tools", "temperature", "step_limit"], evaluate: evaluate as PreparedEvolution["evaluate"] };
    },
  };
}
