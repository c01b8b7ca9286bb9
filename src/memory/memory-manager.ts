/**
 * The Memory Manager: what each agent remembers, kept in the store.
 *
 * - Short-term: the agent's recent chat messages, the newest `shortTermMessages` kept.
 * - Long-term facts: statements to keep (added through the API, or episodes promoted).
 * - Episodic log: summaries of what happened, each with an importance from 0 to 1.
 * - Working memory: one document per agent, replaced whole.
 *
 * Recall ranks the agent's facts and episodes against a query:
 *
 *     score = similarity × (0.5 + 0.5 × importance) × recency
 *     recency = 1 for a fact; for an episode 0.5 + 0.5 × 2^(−age / recencyHalfLifeMs),
 *               age = now − (last recalled, else created)
 *
 * where similarity is the cosine of the embeddings (items under `minSimilarity` are left out), so
 * an important or recently used memory wins over an equally similar one that is neither, and an
 * old episode counts half at most. Retention: an episode recorded with importance ≥
 * `promoteAtImportance`, or recalled `promoteAfterRecalls` times, becomes a fact; episodes below
 * `pruneBelowImportance` untouched for `staleAfterMs` are deleted; over `maxFacts` or
 * `maxEpisodes` an agent loses its least important, least recently used items first. Time comes
 * from the clock, so tests drive it by hand.
 */
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { cosineOfUnit, type ChatMessage, type Embedder } from "../llm/index.js";
import type { MemoryFigures, MemoryItemRecord, MemoryKind, MemoryRepository, RecallCandidate } from "../store/index.js";

export interface MemoryRules {
  shortTermMessages: number;
  promoteAfterRecalls: number;
  promoteAtImportance: number;
  pruneBelowImportance: number;
  staleAfterMs: number;
  maxFacts: number;
  maxEpisodes: number;
  recencyHalfLifeMs: number;
  minSimilarity: number;
  maxWorkingChars: number;
  maxItemChars: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_MEMORY_RULES: MemoryRules = Object.freeze({
  shortTermMessages: 50,
  promoteAfterRecalls: 3,
  promoteAtImportance: 0.8,
  pruneBelowImportance: 0.3,
  staleAfterMs: 30 * DAY_MS,
  maxFacts: 500,
  maxEpisodes: 1000,
  recencyHalfLifeMs: 7 * DAY_MS,
  minSimilarity: 0.05,
  maxWorkingChars: 16_384,
  maxItemChars: 4000,
});

export interface RecalledMemory {
  id: number;
  content: string;
  kind: "fact" | "episode";
  score: number;
  similarity: number;
  importance: number;
  created_at: number;
}

export interface MemoryPage {
  agent_id: string;
  items: MemoryItemRecord[];
  total: number;
  counts: Record<MemoryKind, number>;
  working: { content: string; updated_at: number } | null;
}

export interface MemoryManagerDeps {
  repository: MemoryRepository;
  embedder: Embedder;
  clock: Clock;
  rules?: Partial<MemoryRules>;
}

function clampImportance(importance: number): number {
  return Number.isFinite(importance) ? Math.min(1, Math.max(0, importance)) : 0;
}

export class MemoryManager {
  readonly rules: MemoryRules;
  private readonly repository: MemoryRepository;
  private readonly embedder: Embedder;
  private readonly clock: Clock;

  constructor(deps: MemoryManagerDeps) {
    this.repository = deps.repository;
    this.embedder = deps.embedder;
    this.clock = deps.clock;
    this.rules = { ...DEFAULT_MEMORY_RULES, ...deps.rules };
  }

  /** The agent's newest `limit` messages, oldest first. */
  async recentMessages(agentId: string, limit: number): Promise<ChatMessage[]> {
    const bounded = Math.max(0, Math.min(Math.floor(limit), this.rules.shortTermMessages));
    if (bounded === 0) return [];
    return (await this.repository.recentMessages(agentId, bounded)) as ChatMessage[];
  }

  async appendMessages(agentId: string, messages: ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const rows = messages.map((message) => ({ content: message.content, message }));
    await this.repository.appendMessages(agentId, rows, this.clock.now(), this.rules.shortTermMessages);
  }

  /** The agent's facts and episodes most relevant to the query, best first (formula in the module header). */
  async recall(agentId: string, query: string, limit: number): Promise<RecalledMemory[]> {
    const [queryVector] = await this.embedder.embed([query]);
    const candidates = await this.repository.recallCandidates(agentId);
    const now = this.clock.now();
    const scored: RecalledMemory[] = [];
    for (const candidate of candidates) {
      const vector = await this.vectorOf(candidate);
      const similarity = cosineOfUnit(queryVector!, vector);
      if (similarity < this.rules.minSimilarity) continue;
      scored.push({
        id: candidate.id,
        content: candidate.content,
        kind: candidate.kind as "fact" | "episode",
        similarity,
        importance: candidate.importance,
        created_at: candidate.created_at,
        score: similarity * (0.5 + 0.5 * candidate.importance) * this.recency(candidate, now),
      });
    }
    scored.sort((a, b) => b.score - a.score || b.id - a.id);
    const recalled = scored.slice(0, Math.max(0, Math.floor(limit)));
    if (recalled.length > 0) {
      await this.repository.markRecalled(recalled.map((item) => item.id), now);
      await this.repository.promoteRecalled(agentId, this.rules.promoteAfterRecalls, now);
    }
    return recalled;
  }

  async workingMemory(agentId: string): Promise<string> {
    return (await this.repository.working(agentId))?.content ?? "";
  }

  async setWorkingMemory(agentId: string, content: string): Promise<{ content: string; updated_at: number }> {
    if (content.length > this.rules.maxWorkingChars) {
      throw new AppError("VALIDATION_FAILED", `content: must be at most ${this.rules.maxWorkingChars} characters`, {
        issues: [{ field: "content", message: `must be at most ${this.rules.maxWorkingChars} characters` }],
      });
    }
    const updated_at = this.clock.now();
    await this.repository.setWorking(agentId, content, updated_at);
    return { content, updated_at };
  }

  /** Logs an episode; an important one is kept as a fact at once. */
  async recordEpisode(agentId: string, summary: string, importance: number): Promise<void> {
    await this.remember(agentId, "episode", summary, importance);
  }

  async addFact(agentId: string, content: string, importance = 0.7): Promise<MemoryItemRecord> {
    return this.remember(agentId, "fact", content, importance);
  }

  async forget(agentId: string): Promise<void> {
    await this.repository.forget(agentId);
  }

  async page(agentId: string, query: { kind?: MemoryKind | undefined; limit: number; offset: number }): Promise<MemoryPage> {
    const [{ items, total }, counts, working] = await Promise.all([
      this.repository.items(agentId, query),
      this.repository.counts(agentId),
      this.repository.working(agentId),
    ]);
    return { agent_id: agentId, items, total, counts, working: working ?? null };
  }

  figures(): Promise<MemoryFigures> {
    return this.repository.figures();
  }

  private async remember(agentId: string, kind: "fact" | "episode", content: string, importance: number): Promise<MemoryItemRecord> {
    const text = content.slice(0, this.rules.maxItemChars);
    const weight = clampImportance(importance);
    const [embedding] = await this.embedder.embed([text]);
    const now = this.clock.now();
    const promoted = kind === "episode" && weight >= this.rules.promoteAtImportance;
    const item = await this.repository.addItem({
      agent_id: agentId,
      kind: promoted ? "fact" : kind,
      content: text,
      importance: weight,
      embedding: embedding!,
      embedder_id: this.embedder.id,
      created_at: now,
      promoted_at: promoted ? now : null,
    });
    await this.repository.prune(agentId, {
      staleBefore: now - this.rules.staleAfterMs,
      belowImportance: this.rules.pruneBelowImportance,
      maxFacts: this.rules.maxFacts,
      maxEpisodes: this.rules.maxEpisodes,
    });
    return item;
  }

  private recency(item: RecallCandidate, now: number): number {
    if (item.kind === "fact") return 1;
    const age = Math.max(0, now - (item.last_recalled_at ?? item.created_at));
    return 0.5 + 0.5 * 2 ** (-age / this.rules.recencyHalfLifeMs);
  }

  /** The item's vector in this embedder's space: one stored by another embedder is embedded again and kept. */
  private async vectorOf(item: RecallCandidate): Promise<Float32Array> {
    if (item.embedding && item.embedder_id === this.embedder.id) return item.embedding;
    const [vector] = await this.embedder.embed([item.content]);
    await this.repository.setEmbedding(item.id, vector!, this.embedder.id);
    return vector!;
  }
}
