import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InProcessBus, type DomainEvent } from "../../bus/index.js";
import { systemClock } from "../../core/clock.js";
import { isAppError } from "../../core/errors.js";
import { openStore, type Store } from "../../store/index.js";
import { EvolutionRunBodySchema, EvolutionService } from "./evolution-service.js";
import { EvolutionSettingsSchema } from "./evolve.js";
import { GeneSpaceSchema, GenomeSchema, type Genome, type RetrievalGenes } from "./genome.js";
import { retrievalKind } from "./kinds.js";

const dirs: string[] = [];
const stores: Store[] = [];

function open(dir?: string): { store: Store; dir: string } {
  const where = dir ?? mkdtempSync(join(tmpdir(), "pygent-evolution-"));
  if (!dir) dirs.push(where);
  const store = openStore(where, systemClock);
  stores.push(store);
  return { store, dir: where };
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Retrieval settings scored by how close they come to a known best (hybrid, rrf_k 30): a stand-in for a corpus. */
async function closeness(genome: Genome, task: { id: string; weight: number }): Promise<number> {
  const mode = genome.retrieval.mode === "hybrid" ? 1 : 0.4;
  return task.weight * mode * (1 - Math.min(1, Math.abs(genome.retrieval.rrf_k - 30) / 200));
}

const REQUEST = {
  name: "retrieval settings",
  seed: GenomeSchema.parse({ clauses: [], tools: [], temperature: 0, step_limit: 1, retrieval: { mode: "bm25", limit: 5, rrf_k: 120 } }),
  space: GeneSpaceSchema.parse({ evolve: ["retrieval"] }),
  settings: EvolutionSettingsSchema.parse({ seed: 3, population: 6, generations: 12, stagnation: 6 }),
};

/** A search whose ranking depends on its settings as a real one's does: hybrid finds both sources, bm25 one, vector the other. */
async function search(query: string, settings: RetrievalGenes): Promise<string[]> {
  const bySource = { bm25: [`${query}-a`, "noise-1", "noise-2"], vector: [`${query}-b`, "noise-3"], hybrid: [`${query}-a`, `${query}-b`, "noise-1"] };
  return bySource[settings.mode].slice(0, settings.limit);
}

describe("evolution runs kept in the store", () => {
  it("runs in the background, writes every generation with its lineage, and publishes progress", async () => {
    const { store } = open();
    const bus = new InProcessBus();
    const events: DomainEvent[] = [];
    bus.subscribeAll((event) => events.push(event));
    const service = new EvolutionService({ repository: store.evolution, clock: systemClock, bus });
    const started = await service.start({ ...REQUEST, kind: "retrieval", tasks: [{ id: "q1", weight: 1 }, { id: "q2", weight: 1 }], evaluate: closeness });
    expect(started.state).toBe("running");
    const run = await service.wait(started.id);
    expect(run.state).toBe("finished");
    expect(run.best_genome?.retrieval.mode).toBe("hybrid");
    expect(run.best_score).toBeGreaterThan(0.4);
    const lineage = await service.lineage(run.id);
    const generations = new Set(lineage.map((candidate) => candidate.generation));
    expect(generations.size).toBe(run.generations);
    const ids = new Set(lineage.map((candidate) => candidate.id));
    for (const candidate of lineage.filter((each) => each.generation > 0)) for (const parent of candidate.parents) expect(ids.has(parent)).toBe(true);
    expect(events.filter((event) => event.type === "evolution_generation")).toHaveLength(run.generations);
    expect(events.at(-1)).toMatchObject({ type: "evolution_finished", run_id: run.id });
    expect((await service.list()).map((each) => each.id)).toEqual([run.id]);
  });

  it("records a failing evaluator as a failed run with its reason, and an unknown run as NOT_FOUND", async () => {
    const { store } = open();
    const service = new EvolutionService({ repository: store.evolution, clock: systemClock });
    const started = await service.start({
      ...REQUEST,
      kind: "retrieval",
      tasks: [{ id: "q1" }],
      evaluate: async () => {
        throw new Error("the index is gone");
      },
    });
    const run = await service.wait(started.id);
    expect(run).toMatchObject({ state: "failed", error: "the index is gone" });
    const missing = await service.get("nope").catch((error: unknown) => error);
    expect(isAppError(missing) && missing.code).toBe("NOT_FOUND");
  });

  it("aborts a run on request, and marks a run a stopped daemon left behind as aborted", async () => {
    const { store, dir } = open();
    const service = new EvolutionService({ repository: store.evolution, clock: systemClock });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started = await service.start({ ...REQUEST, kind: "retrieval", tasks: [{ id: "q1" }], evaluate: async () => (await gate, 0.5) });
    expect(service.abort(started.id)).toBe(true);
    release();
    expect((await service.wait(started.id)).state).toBe("aborted");

    await store.evolution.createRun({ ...(await service.get(started.id)), id: "left-behind", state: "running", finished_at: null });
    store.close();
    const reopened = open(dir).store;
    const after = new EvolutionService({ repository: reopened.evolution, clock: systemClock });
    expect(await after.recover()).toBe(1);
    expect(await after.get("left-behind")).toMatchObject({ state: "aborted", error: "the daemon stopped during the run" });
  });

  it("evolves retrieval settings from a request as a user sends it, and names a bad task's field", async () => {
    const { store } = open();
    const defaults: RetrievalGenes = { mode: "bm25", limit: 5, rrf_k: 60 };
    const service = new EvolutionService({ repository: store.evolution, clock: systemClock, kinds: { retrieval: retrievalKind(search, defaults) } });
    const body = EvolutionRunBodySchema.parse({
      name: "tune retrieval",
      kind: "retrieval",
      tasks: [
        { q: "alpha", relevant: ["alpha-a", "alpha-b"] },
        { id: "second", q: "beta", relevant: ["beta-b.md"] },
      ],
      settings: { seed: 2, population: 4, generations: 10 },
    });
    const run = await service.wait((await service.submit(body)).id);
    expect(run.best_genome?.retrieval.mode).toBe("hybrid");
    expect(run.best_score).toBe(1);
    const first = (await service.lineage(run.id)).find((candidate) => candidate.origin === "seed")!;
    expect(first.mean).toBe(0.25);

    const bad = await service.submit({ ...body, tasks: [{ id: "q1", q: "", relevant: [] }] }).catch((e: unknown) => e);
    expect(isAppError(bad) && (bad.details as { issues: unknown }).issues).toEqual([
      { field: "tasks[0].q", message: "must not be empty" },
      { field: "tasks[0].relevant", message: "must name at least one document" },
    ]);
    const agent = await service.submit({ ...body, kind: "agent" }).catch((e: unknown) => e);
    expect(isAppError(agent) && (agent.details as { issues: unknown }).issues).toEqual([{ field: "kind", message: "is not set up on this daemon" }]);
  });

  it("refuses an empty task suite, naming the field", async () => {
    const { store } = open();
    const service = new EvolutionService({ repository: store.evolution, clock: systemClock });
    const error = await service.start({ ...REQUEST, kind: "retrieval", tasks: [], evaluate: closeness }).catch((e: unknown) => e);
    expect(isAppError(error) && (error.details as { issues: unknown }).issues).toEqual([{ field: "tasks", message: "must hold at least one task" }]);
  });
});
