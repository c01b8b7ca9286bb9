/**
 * The Agent Factory over a real gateway and the echo fixture server, with the model behind a local
 * server speaking Ollama's API: what the context puts before the model (working memory, recent
 * messages, recalled memories, retrieved passages, through the two ports), what a run keeps in
 * memory, the step limit, a tool outside the allowlist, a stop during a run, and a delete.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createAgentFactory, type AgentFactory, type AgentMemoryPort, type RetrievalPort } from "../src/agents/index.js";
import { createAuditService } from "../src/audit/index.js";
import { LlmConfigSchema } from "../src/config/llm-schema.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createChatModels, type ChatMessage } from "../src/llm/index.js";
import { createTestApp, echoEntry, type TestApp } from "../src/api/test-support/test-app.js";
import { startFakeLlmServer, type FakeLlmServer } from "./helpers/fake-llm-server.js";
import { waitFor } from "./helpers/processes.js";

let app: TestApp | undefined;
let fake: FakeLlmServer | undefined;
let factory: AgentFactory | undefined;

afterEach(async () => {
  await factory?.close();
  factory = undefined;
  await app?.close();
  app = undefined;
  await fake?.close();
  fake = undefined;
});

/** The Memory Manager's side of the port, kept in arrays so the test reads what the factory wrote. */
class RecordingMemory implements AgentMemoryPort {
  appended: ChatMessage[] = [];
  episodes: { summary: string; importance: number }[] = [];
  forgotten: string[] = [];
  async recentMessages(): Promise<ChatMessage[]> {
    return [
      { role: "user", content: "what aisle is milk in?" },
      { role: "assistant", content: "aisle 3" },
    ];
  }
  async appendMessages(_agentId: string, messages: ChatMessage[]): Promise<void> {
    this.appended.push(...messages);
  }
  async recall(): Promise<{ content: string; kind: string; score: number }[]> {
    return [{ content: "the user buys oat milk", kind: "fact", score: 0.9 }];
  }
  async workingMemory(): Promise<string> {
    return "Shopping trip on Saturday.";
  }
  async recordEpisode(_agentId: string, summary: string, importance: number): Promise<void> {
    this.episodes.push({ summary, importance });
  }
  async forget(agentId: string): Promise<void> {
    this.forgotten.push(agentId);
  }
}

const retrieval: RetrievalPort = {
  async search() {
    return [{ text: "Oat milk is sold in aisle 7.", source: "store-map.md", score: 1 }];
  },
};

async function setUp(memory?: AgentMemoryPort): Promise<AgentFactory> {
  fake = await startFakeLlmServer();
  app = await createTestApp({ gateway: {} });
  await app.manager.registerServer("echo", echoEntry("echo"));
  await waitFor(() => (app!.manager.get("echo").state === "running" ? true : undefined), { timeoutMs: 30_000, message: "echo running" });
  const models = createChatModels(LlmConfigSchema.parse({ providers: { local: { type: "ollama", url: fake.url, model: "llama3.2" } } }));
  const audit = createAuditService({ repository: app.store.audit, clock: systemClock, logger: silentLogger(), retentionDays: () => 90 });
  factory = createAgentFactory({
    repository: app.store.agents,
    bus: app.bus,
    clock: systemClock,
    logger: silentLogger(),
    gateway: app.gateway!,
    audit,
    models: () => models,
    memory,
    retrieval,
  });
  return factory;
}

const chats = () => fake!.requests.filter((entry) => entry.path === "/api/chat");

describe("Agent Factory", { timeout: 60_000 }, () => {
  it("puts working memory, recent messages, recalled memories and retrieved passages before the task, and keeps the exchange", async () => {
    const memory = new RecordingMemory();
    const agents = await setUp(memory);
    const agent = await agents.create({ name: "shopper", type: "research", settings: { tools: ["echo__*"] }, start: true });
    fake!.enqueue({ kind: "reply", toolCalls: [{ name: "echo__echo", arguments: { text: "aisle 7" } }] }, { kind: "reply", content: "Oat milk is in aisle 7." });
    const run = await agents.run(agent.id, "where is the oat milk?", { wait: true });
    expect(run.status).toBe("completed");
    expect(run.steps[0]!.tool_calls[0]).toMatchObject({ name: "echo__echo", result: "aisle 7", error: null });

    const [first] = chats();
    const messages = first!.body.messages as { role: string; content: string }[];
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toContain("You research.");
    expect(messages[0]!.content).toContain("## Working memory\nShopping trip on Saturday.");
    expect(messages[0]!.content).toContain("- (fact) the user buys oat milk");
    expect(messages[0]!.content).toContain("[1] store-map.md\nOat milk is sold in aisle 7.");
    expect(messages.slice(1).map((message) => message.content)).toEqual(["what aisle is milk in?", "aisle 3", "where is the oat milk?"]);
    expect((first!.body.tools as { function: { name: string } }[]).map((tool) => tool.function.name).sort()).toEqual(["echo__add", "echo__echo"]);

    expect(memory.appended).toEqual([
      { role: "user", content: "where is the oat milk?" },
      { role: "assistant", content: "Oat milk is in aisle 7." },
    ]);
    expect(memory.episodes).toEqual([{ summary: "completed: where is the oat milk? -> Oat milk is in aisle 7.", importance: 0.5 }]);

    await agents.remove(agent.id);
    expect(memory.forgotten).toEqual([agent.id]);
    await expect(agents.get(agent.id)).rejects.toMatchObject({ code: "AGENT_NOT_FOUND" });
  });

  it("refuses at creation an agent asking for memory when no Memory Manager is wired", async () => {
    const agents = await setUp();
    await expect(agents.create({ name: "x", type: "general", start: true })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      details: { issues: [{ field: "settings.memory.enabled", message: expect.stringContaining("Memory Manager is not available") }] },
    });
  });

  it("stops at the step limit, and tells the model a tool outside its allowlist is not available", async () => {
    const agents = await setUp();
    const agent = await agents.create({ name: "narrow", type: "reasoning", settings: { tools: ["echo__add"], max_steps: 2 }, start: true });
    fake!.enqueue(
      { kind: "reply", toolCalls: [{ name: "echo__echo", arguments: { text: "sneaky" } }] },
      { kind: "reply", toolCalls: [{ name: "echo__add", arguments: { a: 2, b: 3 } }] },
    );
    const run = await agents.run(agent.id, "add things", { wait: true });
    expect(run.status).toBe("step_limit");
    expect(run.error).toContain("stopped after 2 steps");
    expect(run.steps[0]!.tool_calls[0]!.error).toContain('the tool "echo__echo" is not available to this agent');
    expect(run.steps[1]!.tool_calls[0]!.result).toBe("5");
    const second = chats()[1]!.body.messages as { role: string; content: string }[];
    expect(second.at(-1)).toMatchObject({ role: "tool", content: expect.stringContaining("error: the tool \"echo__echo\" is not available") });
    expect((await agents.get(agent.id)).state).toBe("idle");
  });

  it("cancels a run when the agent is stopped, and leaves it stopped", async () => {
    const agents = await setUp();
    const agent = await agents.create({ name: "slow", type: "reasoning", start: true });
    fake!.enqueue({ kind: "hang" });
    const started = await agents.run(agent.id, "think", { wait: false });
    expect(started.status).toBe("running");
    expect((await agents.figures()).active).toBe(1);
    await waitFor(() => (chats().length === 1 ? true : undefined), { timeoutMs: 5000, message: "the model asked" });
    const stopped = await agents.stop(agent.id);
    expect(stopped.state).toBe("stopped");
    const run = await agents.runDetail(agent.id, started.id);
    expect(run).toMatchObject({ status: "cancelled", error: "the agent was stopped" });
    await expect(agents.run(agent.id, "again", { wait: true })).rejects.toMatchObject({ code: "AGENT_STATE" });
  });
});
