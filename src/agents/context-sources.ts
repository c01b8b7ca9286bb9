/**
 * What an agent knows before its model sees a task, through two ports the daemon wires: the
 * Memory Manager (working memory, recent messages, recalled memories, episodes) and the Retrieval
 * System (passages found for the task). Both are optional; an agent whose settings ask for one
 * that is not wired is refused at creation. The context is one system message (instructions,
 * working memory, recalled memories, passages), the recent messages, then the task.
 */
import type { ChatMessage } from "../llm/index.js";
import type { RetrievalPort } from "../rag/index.js";
import type { AgentSettings } from "./templates.js";

export interface AgentMemoryPort {
  recentMessages(agentId: string, limit: number): Promise<ChatMessage[]>;
  appendMessages(agentId: string, messages: ChatMessage[]): Promise<void>;
  recall(agentId: string, query: string, limit: number): Promise<{ content: string; kind: string; score: number }[]>;
  workingMemory(agentId: string): Promise<string>;
  recordEpisode(agentId: string, summary: string, importance: number): Promise<void>;
  forget(agentId: string): Promise<void>;
}

export type { RetrievalPort };

export interface ContextPorts {
  memory?: AgentMemoryPort | undefined;
  retrieval?: RetrievalPort | undefined;
}

/** How much each source gave, for the run's record. */
export interface ContextSummary {
  recent_messages: number;
  recalled: number;
  retrieved: number;
  working_memory: boolean;
}

/** The settings' needs that `ports` cannot meet, in words naming the field; empty when all are met. */
export function missingPorts(settings: AgentSettings, ports: ContextPorts): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (settings.memory.enabled && !ports.memory) {
    out.push({ field: "settings.memory.enabled", message: "asks for memory, but the Memory Manager is not available in this daemon; set it to false" });
  }
  if (settings.retrieval.enabled && !ports.retrieval) {
    out.push({ field: "settings.retrieval.enabled", message: "asks for retrieval, but the Retrieval System is not available in this daemon; set it to false" });
  }
  return out;
}

export async function buildContext(
  agentId: string,
  settings: AgentSettings,
  task: string,
  ports: ContextPorts,
): Promise<{ messages: ChatMessage[]; summary: ContextSummary; sources: string[] }> {
  const memory = settings.memory.enabled ? ports.memory : undefined;
  const retrieval = settings.retrieval.enabled ? ports.retrieval : undefined;
  const [working, recent, recalled, retrieved] = await Promise.all([
    memory ? memory.workingMemory(agentId) : "",
    memory && settings.memory.recent_messages > 0 ? memory.recentMessages(agentId, settings.memory.recent_messages) : [],
    memory && settings.memory.recall > 0 ? memory.recall(agentId, task, settings.memory.recall) : [],
    retrieval ? retrieval.search(task, { limit: settings.retrieval.limit }) : [],
  ]);
  const sections = [settings.instructions];
  if (working.trim() !== "") sections.push(`## Working memory\n${working.trim()}`);
  if (recalled.length > 0) sections.push(`## What you remember\n${recalled.map((item) => `- (${item.kind}) ${item.content}`).join("\n")}`);
  if (retrieved.length > 0) {
    sections.push(`## Passages found for this task\n${retrieved.map((item, index) => `[${index + 1}] ${item.source}\n${item.text}`).join("\n\n")}`);
  }
  return {
    messages: [{ role: "system", content: sections.join("\n\n") }, ...recent, { role: "user", content: task }],
    summary: { recent_messages: recent.length, recalled: recalled.length, retrieved: retrieved.length, working_memory: working.trim() !== "" },
    /** The retrieved passages' sources, best first. */
    sources: retrieved.map((item) => item.source),
  };
}
