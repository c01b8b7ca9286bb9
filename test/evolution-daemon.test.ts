/**
 * Evolution as a user of the daemon runs it: the labelled corpus ingested into the retrieval
 * index, then `pygent evolve retrieval --tasks queries.json` from a weak starting point (vector
 * search, two hits) — recall@5 improves, the lineage is kept and readable over REST and the CLI,
 * and bad requests are refused naming the field.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const CORPUS = fileURLToPath(new URL("./fixtures/rag-corpus/", import.meta.url));
const QUERIES = join(CORPUS, "queries.json");

let dir: string;
let daemon: Daemon;
let base: string;

beforeAll(async () => {
  dir = makeTempDir("pygent-evolution-daemon-");
  const configPath = join(dir, "mcp_server_configs.json");
  writeFileSync(configPath, JSON.stringify({ servers: [] }));
  daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
  base = (await daemon.start()).url;
  for (const file of readdirSync(join(CORPUS, "docs"))) {
    const ingested = await api("POST", "/rag/documents", { name: file, text: readFileSync(join(CORPUS, "docs", file), "utf8") });
    expect(ingested.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  removeTempDir(dir);
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? null : JSON.parse(text) };
}

describe("evolution of the retrieval settings in the daemon", () => {
  it("improves recall@5 on the labelled corpus from a weak start, and keeps the lineage", async () => {
    const weak = { clauses: [], tools: [], temperature: 0, step_limit: 1, retrieval: { mode: "vector", limit: 2, rrf_k: 60 } };
    const tasks = (JSON.parse(readFileSync(QUERIES, "utf8")) as { queries: unknown[] }).queries;
    const started = await api("POST", "/evolution/runs", {
      name: "from a weak start",
      kind: "retrieval",
      tasks,
      seed: weak,
      settings: { seed: 5, population: 6, generations: 6, stagnation: 3 },
    });
    expect(started.status).toBe(202);
    let run = started.json;
    for (let i = 0; i < 600 && run.state === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await api("GET", `/evolution/runs/${started.json.id}`)).json;
    }
    expect(run.state).toBe("finished");
    const lineage = (await api("GET", `/evolution/runs/${run.id}/lineage`)).json.candidates as { id: string; origin: string; mean: number; parents: string[]; generation: number }[];
    const seed = lineage.find((candidate) => candidate.origin === "seed")!;
    console.log(`recall@5 from the weak start ${seed.mean.toFixed(3)} -> best ${run.best_score.toFixed(3)} after ${run.generations} generations (${run.stop_reason})`);
    expect(seed.mean).toBeLessThan(0.95);
    expect(run.best_score).toBeGreaterThan(seed.mean + 0.03);
    expect(run.best_genome.retrieval.limit).toBeGreaterThan(2);
    const ids = new Set(lineage.map((candidate) => candidate.id));
    for (const candidate of lineage.filter((each) => each.generation > 0)) for (const parent of candidate.parents) expect(ids.has(parent)).toBe(true);

    const shown = await runCliCaptured(["evolve", "lineage", run.id, "--url", base]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("g0-0");
    expect(shown.stdout).toMatch(/seed/);
  }, 120_000);

  it("runs from the CLI with the corpus's own queries file and prints each generation and the best genome", async () => {
    const ran = await runCliCaptured(["evolve", "retrieval", "--tasks", QUERIES, "--generations", "2", "--population", "3", "--url", base]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^generation \d+: best 0\.\d{3} \(\d+ evaluations\)$/m);
    expect(ran.stdout).toMatch(/^run \S+: finished/m);
    expect(ran.stdout).toMatch(/^best genome: \{.*"retrieval"/m);
  }, 120_000);

  it("starts a CLI run from the retrieval settings it is given and prints how far it got from them", async () => {
    const ran = await runCliCaptured(["evolve", "retrieval", "--tasks", QUERIES, "--mode", "vector", "--limit", "2", "--seed", "5", "--population", "6", "--generations", "6", "--url", base]);
    expect(ran.code).toBe(0);
    const [, best, start] = /^best score (0\.\d{3}) \(the start scored (0\.\d{3})\)/m.exec(ran.stdout) ?? [];
    expect(Number(start)).toBeLessThan(0.95);
    expect(Number(best)).toBeGreaterThan(Number(start) + 0.03);

    const refused = await runCliCaptured(["evolve", "retrieval", "--tasks", QUERIES, "--mode", "fuzzy", "--url", base]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/seed\.retrieval\.mode/);
  }, 120_000);

  it("refuses a bad task or an agent run with no agent, naming the field", async () => {
    const bad = await api("POST", "/evolution/runs", { name: "bad", kind: "retrieval", tasks: [{ q: "x", relevant: [] }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.issues.map((issue: { field: string }) => issue.field)).toEqual(["tasks[0].relevant"]);
    const unknown = await api("POST", "/evolution/runs", { name: "bad", kind: "retrieval", tasks: [{ q: "x", relevant: ["a"] }], colour: "red" });
    expect(unknown.status).toBe(400);
    expect((await api("GET", "/evolution/runs/nope")).status).toBe(404);
  });
});
