import { describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock.js";
import { openStore } from "../../store/index.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentSettings } from "../templates.js";
import { EvolutionRunBodySchema, EvolutionService } from "./evolution-service.js";
import { agentKind, genomeOfSettings, type AgentTrials } from "./kinds.js";

const JSON_CLAUSE = "Answer with a JSON object only.";
const TOOL_CLAUSE = "Look the name up with the directory tool first.";

const SETTINGS = {
  instructions: "You are a helpful assistant. Be brief.",
  tools: ["directory__lookup"],
  temperature: 0.7,
  max_steps: 4,
  memory: { enabled: false, recent_messages: 0, recall: 0 },
  retrieval: { enabled: false, limit: 3 },
} as AgentSettings;

/**
 * The stand-in for a language model (none runs here): a rule-based one that does what a clause of
 * its instructions says and nothing else, so a task succeeds only when the clauses it needs are there.
 */
function ruleBasedAgents(): AgentTrials & { trials: number } {
  const agents = {
    trials: 0,
    async get() {
      return { settings: SETTINGS } as Awaited<ReturnType<AgentTrials["get"]>>;
    },
    async trial(_id: string, settings: Partial<AgentSettings>, task: string) {
      agents.trials += 1;
      const name = task.split(" ").at(-1)!;
      const looked = settings.instructions!.includes(TOOL_CLAUSE) && settings.tools!.includes("directory__lookup");
      const answer = settings.instructions!.includes(JSON_CLAUSE) ? JSON.stringify({ name }) : `The name is ${name}.`;
      return { answer, tool_calls: looked ? [{ name: "directory__lookup", arguments: { name } }] : [], retrieved: [] };
    },
  };
  return agents;
}

describe("evolving an agent's instructions with a rule-based model", () => {
  it("finds the clauses the tasks need among the pool, by seeded selection", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pygent-agent-kind-"));
    const store = openStore(dir, systemClock);
    try {
      const agents = ruleBasedAgents();
      const service = new EvolutionService({ repository: store.evolution, clock: systemClock, kinds: { agent: agentKind(agents) } });
      const body = EvolutionRunBodySchema.parse({
        name: "answer in JSON after a lookup",
        kind: "agent",
        agent_id: "helper",
        tasks: [
          { id: "json", prompt: "Say the name ada", scorer: { kind: "json_schema", schema: { type: "object", required: ["name"] } } },
          { id: "lookup", prompt: "Find grace", scorer: { kind: "tool_calls", expected: [{ name: "directory__lookup", arguments: { name: "grace" } }] } },
        ],
        space: { clause_pool: ["Be polite.", JSON_CLAUSE, "Think step by step.", TOOL_CLAUSE] },
        settings: { seed: 4, population: 6, generations: 15 },
      });
      const run = await service.wait((await service.submit(body)).id);
      expect(run.best_score).toBe(1);
      expect(run.best_genome!.clauses).toEqual(expect.arrayContaining([JSON_CLAUSE, TOOL_CLAUSE]));
      const lineage = await service.lineage(run.id);
      expect(lineage.find((candidate) => candidate.origin === "seed")!.mean).toBe(0);
      expect(agents.trials).toBeGreaterThan(0);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads an agent's settings as a genome: instructions cut into clauses", () => {
    expect(genomeOfSettings(SETTINGS)).toMatchObject({ clauses: ["You are a helpful assistant.", "Be brief."], tools: ["directory__lookup"], temperature: 0.7, step_limit: 4 });
  });
});
