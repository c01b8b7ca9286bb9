/**
 * The Memory Manager over a real SQLite store, with time driven by a ManualClock: short-term
 * bounds, recall ordered by similarity, importance and recency, promotion of episodes to facts,
 * pruning of stale unimportant episodes, per-agent caps, working memory and forgetting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../src/core/clock.js";
import { HashedEmbedder, type ChatMessage } from "../src/llm/index.js";
import { MemoryManager, type MemoryRules } from "../src/memory/index.js";
import { openStore, type Store } from "../src/store/index.js";

/** The port the agents domain defines; the Memory Manager must satisfy it as it is. */
interface AgentMemoryPort {
  recentMessages(agentId: string, limit: number): Promise<ChatMessage[]>;
  appendMessages(agentId: string, messages: ChatMessage[]): Promise<void>;
  recall(agentId: string, query: string, limit: number): Promise<{ content: string; kind: string; score: number }[]>;
  workingMemory(agentId: string): Promise<string>;
  recordEpisode(agentId: string, summary: string, importance: number): Promise<void>;
  forget(agentId: string): Promise<void>;
}

const DAY = 86_400_000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function setup(rules: Partial<MemoryRules> = {}): { memory: MemoryManager; clock: ManualClock; store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "pygent-memory-"));
  const clock = new ManualClock();
  const store = openStore(dir, clock);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  const memory = new MemoryManager({ repository: store.memory, embedder: new HashedEmbedder(512), clock, rules });
  return { memory, clock, store, dir };
}

describe("memory manager", () => {
  it("satisfies the agents' memory port", () => {
    const port: AgentMemoryPort = setup().memory;
    expect(typeof port.recall).toBe("function");
  });

  it("keeps the newest messages, oldest first, with their tool calls, per agent", async () => {
    const { memory } = setup({ shortTermMessages: 3 });
    await memory.appendMessages("a1", [
      { role: "user", content: "one" },
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "fs__write", arguments: { path: "x" } }] },
    ]);
    await memory.appendMessages("a1", [
      { role: "tool", content: "written", toolCallId: "c1", name: "fs__write" },
      { role: "assistant", content: "done" },
    ]);
    await memory.appendMessages("a2", [{ role: "user", content: "other agent" }]);
    const recent = await memory.recentMessages("a1", 10);
    expect(recent.map((message) => message.content)).toEqual(["", "written", "done"]);
    expect(recent[0]!.toolCalls).toEqual([{ id: "c1", name: "fs__write", arguments: { path: "x" } }]);
    expect(recent[1]).toMatchObject({ role: "tool", toolCallId: "c1" });
    expect((await memory.recentMessages("a1", 2)).map((message) => message.content)).toEqual(["written", "done"]);
    expect(await memory.recentMessages("a2", 10)).toHaveLength(1);
  });

  it("recalls by similarity, weighting importance and recency", async () => {
    const { memory, clock } = setup();
    await memory.recordEpisode("a", "deployed the billing service to production", 0.2);
    await memory.recordEpisode("a", "deployed the billing service to production", 0.7);
    await memory.recordEpisode("a", "the cafeteria serves soup on fridays", 0.7);
    let recalled = await memory.recall("a", "billing service deployment", 5);
    expect(recalled.slice(0, 2).map((item) => [item.content, item.importance])).toEqual([
      ["deployed the billing service to production", 0.7],
      ["deployed the billing service to production", 0.2],
    ]);
    expect(recalled[0]!.score).toBeGreaterThan(recalled[1]!.score);
    // Unrelated memories rank after both, if their few shared letters let them in at all.
    expect(recalled.slice(2).every((item) => item.content.includes("soup") && item.score < recalled[1]!.score)).toBe(true);

    // The same episode a month later counts less than one logged today.
    const { memory: other, clock: otherClock } = setup();
    await other.recordEpisode("a", "rotated the database credentials", 0.5);
    otherClock.advance(30 * DAY);
    await other.recordEpisode("a", "rotated the database credentials", 0.5);
    recalled = await other.recall("a", "database credentials rotation", 2);
    expect(recalled.map((item) => item.created_at)).toEqual([otherClock.now(), otherClock.now() - 30 * DAY]);
    expect(recalled[1]!.score / recalled[0]!.score).toBeLessThan(0.6);
    expect(clock.now()).toBeLessThan(otherClock.now());
  });

  it("keeps facts from fading with age", async () => {
    const { memory, clock } = setup();
    await memory.addFact("a", "the staging cluster lives in eu-west-1", 0.5);
    await memory.recordEpisode("a", "the staging cluster lives in eu-west-1", 0.5);
    clock.advance(60 * DAY);
    const [first, second] = await memory.recall("a", "where is the staging cluster", 2);
    expect(first!.kind).toBe("fact");
    expect(second!.kind).toBe("episode");
  });

  it("promotes an important episode at once and another once recalled enough", async () => {
    const { memory } = setup({ promoteAfterRecalls: 2, promoteAtImportance: 0.8 });
    await memory.recordEpisode("a", "the user prefers answers in French", 0.9);
    await memory.recordEpisode("a", "the nightly backup job failed twice", 0.5);
    let page = await memory.page("a", { limit: 10, offset: 0 });
    expect(page.counts).toEqual({ message: 0, fact: 1, episode: 1 });
    expect(page.items.find((item) => item.content.includes("French"))!.promoted_at).not.toBeNull();

    await memory.recall("a", "nightly backup failure", 1);
    expect((await memory.page("a", { kind: "episode", limit: 10, offset: 0 })).total).toBe(1);
    const [again] = await memory.recall("a", "nightly backup failure", 1);
    expect(again!.kind).toBe("episode");
    page = await memory.page("a", { kind: "fact", limit: 10, offset: 0 });
    expect(page.items.map((item) => item.content)).toContain("the nightly backup job failed twice");
    expect(page.counts.episode).toBe(0);
  });

  it("prunes old unimportant episodes, keeping important and recently recalled ones", async () => {
    const { memory, clock } = setup({ staleAfterMs: 30 * DAY, pruneBelowImportance: 0.3, promoteAfterRecalls: 100 });
    await memory.recordEpisode("a", "looked at the weather page", 0.1);
    await memory.recordEpisode("a", "migrated the orders table", 0.6);
    await memory.recordEpisode("a", "checked disk usage on the build host", 0.2);
    clock.advance(20 * DAY);
    await memory.recall("a", "disk usage build host", 1);
    clock.advance(15 * DAY);
    await memory.recordEpisode("a", "new episode that triggers maintenance", 0.5);
    const contents = (await memory.page("a", { limit: 10, offset: 0 })).items.map((item) => item.content);
    expect(contents).not.toContain("looked at the weather page");
    expect(contents).toContain("migrated the orders table");
    expect(contents).toContain("checked disk usage on the build host");
  });

  it("caps facts and episodes per agent, dropping the least important first", async () => {
    const { memory } = setup({ maxEpisodes: 3, maxFacts: 2 });
    for (const [index, importance] of [0.5, 0.1, 0.6, 0.2, 0.7].entries()) {
      await memory.recordEpisode("a", `episode number ${index}`, importance);
    }
    for (const index of [0, 1, 2]) await memory.addFact("a", `fact number ${index}`, 0.5);
    await memory.recordEpisode("b", "another agent's episode", 0.1);
    const page = await memory.page("a", { limit: 20, offset: 0 });
    expect(page.counts).toEqual({ message: 0, fact: 2, episode: 3 });
    expect(page.items.filter((item) => item.kind === "episode").map((item) => item.importance).sort()).toEqual([0.5, 0.6, 0.7]);
    expect(page.items.filter((item) => item.kind === "fact").map((item) => item.content)).toEqual(["fact number 2", "fact number 1"]);
    expect((await memory.page("b", { limit: 5, offset: 0 })).total).toBe(1);
  });

  it("keeps a working-memory document, bounded, and forgets an agent whole", async () => {
    const { memory } = setup({ maxWorkingChars: 100 });
    expect(await memory.workingMemory("a")).toBe("");
    await memory.setWorkingMemory("a", "goal: ship the release notes");
    expect(await memory.workingMemory("a")).toBe("goal: ship the release notes");
    await expect(memory.setWorkingMemory("a", "x".repeat(101))).rejects.toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringMatching(/^content:/) });
    await memory.addFact("a", "a fact");
    await memory.appendMessages("a", [{ role: "user", content: "hi" }]);
    expect(await memory.figures()).toMatchObject({ agents_with_memory: 1, items_by_kind: { message: 1, fact: 1, episode: 0 }, working_documents: 1 });
    expect((await memory.figures()).store_bytes).toBeGreaterThan(0);
    await memory.forget("a");
    expect(await memory.workingMemory("a")).toBe("");
    expect(await memory.figures()).toMatchObject({ agents_with_memory: 0, items_by_kind: { message: 0, fact: 0, episode: 0 } });
  });

  it("embeds memories stored by another embedder again when recalling", async () => {
    const { memory, store, clock } = setup();
    await memory.addFact("a", "the API gateway runs on port 8443", 0.6);
    const other = new MemoryManager({ repository: store.memory, embedder: new HashedEmbedder(256), clock });
    const [hit] = await other.recall("a", "gateway port", 1);
    expect(hit!.content).toBe("the API gateway runs on port 8443");
    expect((await other.page("a", { limit: 1, offset: 0 })).items[0]!.embedder_id).toBe("hashed:v1:256");
  });
});
