/**
 * `pygent evolve`: evolution runs on the daemon. `evolve retrieval --tasks file` tunes the
 * retrieval settings against labelled queries (no model needed); `evolve agent <id> --tasks file`
 * evolves an agent's instructions and tools. Both follow the run generation by generation until
 * it ends (or return at once with --no-wait); `runs`, `show`, `lineage` and `abort` read and stop runs.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { EvolutionRunView } from "../../agents/evolution/index.js";
import { DEFAULT_RETRIEVAL_GENES } from "../../agents/evolution/retrieval-defaults.js";
import { sleep } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import { clientFor, EXIT_FAILURE, examples, printJson, UsageError, withDaemonOptions, type CliContext } from "../cli-context.js";
import type { ApiClient } from "../client.js";
import { parsePositiveInt } from "../option-parsers.js";
import { formatInstant, formatTable } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

interface StartOptions {
  tasks: string;
  name?: string;
  generations?: number;
  population?: number;
  seed?: number;
  budget?: number;
  mode?: string;
  limit?: number;
  rrfK?: number;
  wait: boolean;
  json?: boolean;
}

interface Candidate {
  id: string;
  generation: number;
  origin: string;
  parents: string[];
  genome: unknown;
  mean: number;
}

/** Task files above this are refused before reading: a task suite is hundreds of lines, not megabytes. */
const MAX_TASKS_FILE_BYTES = 5 * 1024 * 1024;
const FOLLOW_INTERVAL_MS = 500;

async function readTasks(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the tasks file ${path}: ${errorMessage(error)}`);
  }
  if (Buffer.byteLength(text) > MAX_TASKS_FILE_BYTES) throw new UsageError(`the tasks file ${path} is over ${MAX_TASKS_FILE_BYTES / 1024 / 1024} MB`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the tasks file ${path} is not valid JSON: ${errorMessage(error)}`);
  }
  const holder = json as { tasks?: unknown; queries?: unknown } | null;
  const tasks = Array.isArray(json) ? json : (holder?.tasks ?? holder?.queries);
  if (!Array.isArray(tasks)) throw new UsageError(`the tasks file ${path} must hold a JSON array of tasks, or {"tasks": [...]} (or {"queries": [...]})`);
  return tasks;
}

function score(value: number | null): string {
  return value === null ? "-" : value.toFixed(3);
}

/** Prints each new generation's best until the run ends; resolves with the ended run. */
async function follow(client: ApiClient, run: EvolutionRunView, out: (line: string) => void): Promise<EvolutionRunView> {
  let shown = 0;
  let current = run;
  for (;;) {
    if (current.generations > shown) {
      out(`generation ${current.generations - 1}: best ${score(current.best_score)} (${current.evaluations} evaluations)`);
      shown = current.generations;
    }
    if (current.state !== "running") return current;
    await sleep(FOLLOW_INTERVAL_MS);
    current = await client.get<EvolutionRunView>(`/api/v1/evolution/runs/${encodeURIComponent(run.id)}`);
  }
}

async function printOutcome(client: ApiClient, run: EvolutionRunView, out: (line: string) => void): Promise<void> {
  out(`run ${run.id}: ${run.state}${run.stop_reason ? ` (${run.stop_reason})` : ""}${run.error ? `: ${terminalSafe(run.error)}` : ""}`);
  const { candidates } = await client.get<{ candidates: Candidate[] }>(`/api/v1/evolution/runs/${encodeURIComponent(run.id)}/lineage`);
  const start = candidates.find((candidate) => candidate.origin === "seed");
  const from = start ? ` (the start scored ${score(start.mean)})` : "";
  out(`best score ${score(run.best_score)}${from} after ${run.generations} generation(s), ${run.evaluations} evaluations`);
  if (run.best_genome) out(`best genome: ${terminalSafe(JSON.stringify(run.best_genome))}`);
}

function startCommand(parent: Command, ctx: CliContext, kind: "retrieval" | "agent"): Command {
  const command = kind === "agent" ? parent.command("agent <agent_id>") : parent.command("retrieval");
  command
    .description(
      kind === "agent"
        ? "evolve an agent's instructions, tools, temperature and step limit against tasks [{id, prompt, scorer}]"
        : "tune the retrieval settings (mode, limit, rrf_k) against labelled queries [{q, relevant: [document name...], id?, k?}], by recall@k; no model needed",
    )
    .requiredOption("--tasks <file>", "JSON file: an array of tasks, or {\"tasks\": [...]} or {\"queries\": [...]}")
    .option("--name <name>", "a name for the run")
    .option("--generations <n>", "at most this many generations (default 10)", parsePositiveInt)
    .option("--population <n>", "candidates per generation (default 8)", parsePositiveInt)
    .option("--seed <n>", "random seed: the same seed repeats the run (default 1)", parsePositiveInt)
    .option("--budget <n>", "at most this many task evaluations (default 1000)", parsePositiveInt);
  if (kind === "retrieval") {
    const { mode, limit, rrf_k } = DEFAULT_RETRIEVAL_GENES;
    command
      .option("--mode <mode>", `start from this search mode: bm25 | vector | hybrid (default ${mode}, what a search uses)`)
      .option("--limit <n>", `start from this many hits per query (default ${limit})`, parsePositiveInt)
      .option("--rrf-k <n>", `start from this fusion constant (default ${rrf_k})`, parsePositiveInt);
  }
  command
    .option("--no-wait", "return once the run has started")
    .option("--json", "print JSON");
  return withDaemonOptions(command)
    .addHelpText(
      "after",
      kind === "agent"
        ? examples("pygent evolve agent researcher --tasks tasks.json", "pygent evolve agent researcher --tasks tasks.json --generations 20 --seed 7")
        : examples(
            "pygent evolve retrieval --tasks test/fixtures/rag-corpus/queries.json",
            "pygent evolve retrieval --tasks queries.json --mode vector --limit 2",
            "pygent evolve retrieval --tasks queries.json --population 12 --no-wait",
          ),
    )
    .action(async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command;
      const options = args.at(-2) as StartOptions;
      const agentId = kind === "agent" ? (args[0] as string) : undefined;
      const tasks = await readTasks(options.tasks);
      const settings = Object.fromEntries(
        (["generations", "population", "seed", "budget"] as const).filter((key) => options[key] !== undefined).map((key) => [key, options[key]]),
      );
      const startsElsewhere = options.mode !== undefined || options.limit !== undefined || options.rrfK !== undefined;
      const seed = startsElsewhere
        ? (await import("../../agents/evolution/index.js")).retrievalGenome({
            mode: (options.mode ?? DEFAULT_RETRIEVAL_GENES.mode) as typeof DEFAULT_RETRIEVAL_GENES.mode,
            limit: options.limit ?? DEFAULT_RETRIEVAL_GENES.limit,
            rrf_k: options.rrfK ?? DEFAULT_RETRIEVAL_GENES.rrf_k,
          })
        : undefined;
      const client = clientFor(cmd, ctx);
      const started = await client.post<EvolutionRunView>("/api/v1/evolution/runs", {
        name: options.name ?? (agentId ? `evolve ${agentId}` : "tune retrieval"),
        kind,
        ...(agentId ? { agent_id: agentId } : {}),
        tasks,
        settings,
        ...(seed ? { seed } : {}),
      });
      if (!options.wait) return options.json ? printJson(ctx.io, started) : ctx.io.out(`run ${started.id} started (pygent evolve show ${started.id})`);
      const quiet = options.json ? () => undefined : (line: string) => ctx.io.out(line);
      quiet(`run ${started.id} started: ${tasks.length} task(s)`);
      const ended = await follow(client, started, quiet);
      if (options.json) return printJson(ctx.io, ended);
      await printOutcome(client, ended, (line) => ctx.io.out(line));
      if (ended.state === "failed") ctx.exitCode = EXIT_FAILURE;
    });
}

export function registerEvolveCommand(program: Command, ctx: CliContext): void {
  const evolve = program.command("evolve").description("evolve agent templates and retrieval settings by measured selection (runs on the daemon)");
  startCommand(evolve, ctx, "retrieval");
  startCommand(evolve, ctx, "agent");

  withDaemonOptions(evolve.command("runs").description("evolution runs, newest first").option("--json", "print JSON"))
    .addHelpText("after", examples("pygent evolve runs"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const { runs } = await clientFor(cmd, ctx).get<{ runs: EvolutionRunView[] }>("/api/v1/evolution/runs");
      if (options.json) return printJson(ctx.io, { runs });
      if (runs.length === 0) return ctx.io.out("no evolution runs yet (pygent evolve retrieval --tasks queries.json)");
      ctx.io.out(
        formatTable(runs, [
          { header: "id", value: (run) => run.id, max: 36 },
          { header: "name", value: (run) => run.name, max: 32 },
          { header: "kind", value: (run) => run.kind },
          { header: "state", value: (run) => run.state },
          { header: "best", value: (run) => score(run.best_score), align: "right" },
          { header: "generations", value: (run) => run.generations, align: "right" },
          { header: "started", value: (run) => formatInstant(run.started_at) },
        ]),
      );
    });

  withDaemonOptions(evolve.command("show <run_id>").description("one run: state, best score and genome").option("--json", "print JSON"))
    .action(async (runId: string, options: { json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const run = await client.get<EvolutionRunView>(`/api/v1/evolution/runs/${encodeURIComponent(runId)}`);
      if (options.json) return printJson(ctx.io, run);
      await printOutcome(client, run, (line) => ctx.io.out(line));
    });

  withDaemonOptions(evolve.command("lineage <run_id>").description("every candidate by generation, with its parents and mean score").option("--json", "print JSON"))
    .action(async (runId: string, options: { json?: boolean }, cmd: Command) => {
      const { candidates } = await clientFor(cmd, ctx).get<{ candidates: Candidate[] }>(`/api/v1/evolution/runs/${encodeURIComponent(runId)}/lineage`);
      if (options.json) return printJson(ctx.io, { candidates });
      ctx.io.out(
        formatTable(candidates, [
          { header: "candidate", value: (row) => row.id },
          { header: "origin", value: (row) => row.origin },
          { header: "parents", value: (row) => row.parents.join(" ") },
          { header: "score", value: (row) => score(row.mean), align: "right" },
        ]),
      );
    });

  withDaemonOptions(evolve.command("abort <run_id>").description("stop a run in progress"))
    .action(async (runId: string, _options: unknown, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const run = await client.post<EvolutionRunView>(`/api/v1/evolution/runs/${encodeURIComponent(runId)}/abort`);
      await printOutcome(client, run, (line) => ctx.io.out(line));
    });
}
