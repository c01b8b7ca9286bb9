/**
 * Agents' memory items (messages, facts, episodes) and working-memory documents. The rules of
 * what is kept, promoted or pruned belong to the Memory Manager (src/memory); this module runs
 * the queries they ask for, each bounded by one agent.
 */
import type { SqliteDatabase } from "./database.js";

export type MemoryKind = "message" | "fact" | "episode";
export const MEMORY_KINDS: readonly MemoryKind[] = ["message", "fact", "episode"];

export interface MemoryItemRecord {
  id: number;
  agent_id: string;
  kind: MemoryKind;
  content: string;
  /** 0 to 1. */
  importance: number;
  embedder_id: string | null;
  recall_count: number;
  created_at: number;
  last_recalled_at: number | null;
  /** When an episode became a fact; null for an item stored as it is. */
  promoted_at: number | null;
}

export interface RecallCandidate extends MemoryItemRecord {
  embedding: Float32Array | null;
}

export interface NewMemoryItem {
  agent_id: string;
  kind: "fact" | "episode";
  content: string;
  importance: number;
  embedding: Float32Array;
  embedder_id: string;
  created_at: number;
  promoted_at: number | null;
}

export interface MemoryPruneRules {
  /** Episodes untouched (neither created nor recalled) since before this instant... */
  staleBefore: number;
  /** ...and less important than this are deleted. */
  belowImportance: number;
  maxFacts: number;
  maxEpisodes: number;
}

export interface MemoryFigures {
  agents_with_memory: number;
  items_by_kind: Record<MemoryKind, number>;
  working_documents: number;
  /** Bytes of the memory tables and indexes in the database file. */
  store_bytes: number;
}

export interface MemoryRepository {
  /** Appends the messages (each as its text and its whole JSON) and keeps only the newest `keep` of the agent's. */
  appendMessages(agentId: string, messages: readonly { content: string; message: unknown }[], at: number, keep: number): Promise<void>;
  /** The newest `limit` messages' JSON, oldest first. */
  recentMessages(agentId: string, limit: number): Promise<unknown[]>;
  addItem(item: NewMemoryItem): Promise<MemoryItemRecord>;
  /** The agent's facts and episodes with their embeddings. */
  recallCandidates(agentId: string): Promise<RecallCandidate[]>;
  setEmbedding(id: number, embedding: Float32Array, embedderId: string): Promise<void>;
  markRecalled(ids: readonly number[], at: number): Promise<void>;
  /** Turns the agent's episodes recalled at least `minRecalls` times into facts; resolves with how many. */
  promoteRecalled(agentId: string, minRecalls: number, at: number): Promise<number>;
  /** Deletes stale unimportant episodes and the least important items over the caps; resolves with how many. */
  prune(agentId: string, rules: MemoryPruneRules): Promise<number>;
  /** The agent's items, newest first, with the total matching. */
  items(agentId: string, query: { kind?: MemoryKind | undefined; limit: number; offset: number }): Promise<{ items: MemoryItemRecord[]; total: number }>;
  counts(agentId: string): Promise<Record<MemoryKind, number>>;
  working(agentId: string): Promise<{ content: string; updated_at: number } | undefined>;
  setWorking(agentId: string, content: string, at: number): Promise<void>;
  /** Deletes everything the agent remembers. */
  forget(agentId: string): Promise<void>;
  figures(): Promise<MemoryFigures>;
}

const ITEM_COLUMNS = "id, agent_id, kind, content, importance, embedder_id, recall_count, created_at, last_recalled_at, promoted_at";

function blobOf(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function vectorOf(blob: Buffer | null): Float32Array | null {
  if (blob === null) return null;
  const vector = new Float32Array(blob.length / 4);
  blob.copy(Buffer.from(vector.buffer));
  return vector;
}

function byKind(rows: { kind: string; n: number }[]): Record<MemoryKind, number> {
  const out: Record<MemoryKind, number> = { message: 0, fact: 0, episode: 0 };
  for (const row of rows) if (row.kind in out) out[row.kind as MemoryKind] = row.n;
  return out;
}

export function sqliteMemoryRepository(db: SqliteDatabase): MemoryRepository {
  const insertMessageStmt = db.prepare(
    "INSERT INTO memory_items (agent_id, kind, content, message, importance, created_at) VALUES (?, 'message', ?, ?, 0, ?)",
  );
  const trimMessagesStmt = db.prepare(
    `DELETE FROM memory_items WHERE id IN (
       SELECT id FROM memory_items WHERE agent_id = ? AND kind = 'message' ORDER BY id DESC LIMIT -1 OFFSET ?)`,
  );
  const recentStmt = db.prepare(
    "SELECT message FROM (SELECT id, message FROM memory_items WHERE agent_id = ? AND kind = 'message' ORDER BY id DESC LIMIT ?) ORDER BY id",
  ).pluck();
  const insertItemStmt = db.prepare(
    `INSERT INTO memory_items (agent_id, kind, content, importance, embedding, embedder_id, created_at, promoted_at)
     VALUES (@agent_id, @kind, @content, @importance, @embedding, @embedder_id, @created_at, @promoted_at)`,
  );
  const itemStmt = db.prepare(`SELECT ${ITEM_COLUMNS} FROM memory_items WHERE id = ?`);
  const candidatesStmt = db.prepare(`SELECT ${ITEM_COLUMNS}, embedding FROM memory_items WHERE agent_id = ? AND kind IN ('fact', 'episode')`);
  const setEmbeddingStmt = db.prepare("UPDATE memory_items SET embedding = ?, embedder_id = ? WHERE id = ?");
  const recalledStmt = db.prepare("UPDATE memory_items SET recall_count = recall_count + 1, last_recalled_at = ? WHERE id = ?");
  const promoteStmt = db.prepare(
    "UPDATE memory_items SET kind = 'fact', promoted_at = ? WHERE agent_id = ? AND kind = 'episode' AND recall_count >= ?",
  );
  const pruneStaleStmt = db.prepare(
    `DELETE FROM memory_items WHERE agent_id = ? AND kind = 'episode' AND importance < ?
       AND COALESCE(last_recalled_at, created_at) < ?`,
  );
  const capStmt = db.prepare(
    `DELETE FROM memory_items WHERE id IN (
       SELECT id FROM memory_items WHERE agent_id = ? AND kind = ?
       ORDER BY importance DESC, COALESCE(last_recalled_at, created_at) DESC, id DESC LIMIT -1 OFFSET ?)`,
  );
  const countsStmt = db.prepare("SELECT kind, COUNT(*) AS n FROM memory_items WHERE agent_id = ? GROUP BY kind");
  const workingStmt = db.prepare("SELECT content, updated_at FROM memory_working WHERE agent_id = ?");
  const setWorkingStmt = db.prepare(
    `INSERT INTO memory_working (agent_id, content, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (agent_id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
  );
  const forgetItemsStmt = db.prepare("DELETE FROM memory_items WHERE agent_id = ?");
  const forgetWorkingStmt = db.prepare("DELETE FROM memory_working WHERE agent_id = ?");
  const agentsStmt = db.prepare(
    "SELECT COUNT(*) FROM (SELECT agent_id FROM memory_items UNION SELECT agent_id FROM memory_working)",
  ).pluck();
  const allKindsStmt = db.prepare("SELECT kind, COUNT(*) AS n FROM memory_items GROUP BY kind");
  const workingCountStmt = db.prepare("SELECT COUNT(*) FROM memory_working").pluck();
  const sizeStmt = db.prepare("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'memory\\_%' ESCAPE '\\'").pluck();

  const append = db.transaction((agentId: string, messages: readonly { content: string; message: unknown }[], at: number, keep: number) => {
    for (const message of messages) insertMessageStmt.run(agentId, message.content, JSON.stringify(message.message), at);
    trimMessagesStmt.run(agentId, keep);
  });
  const markRecalled = db.transaction((ids: readonly number[], at: number) => {
    for (const id of ids) recalledStmt.run(at, id);
  });
  const prune = db.transaction((agentId: string, rules: MemoryPruneRules) => {
    let removed = pruneStaleStmt.run(agentId, rules.belowImportance, rules.staleBefore).changes;
    removed += capStmt.run(agentId, "fact", rules.maxFacts).changes;
    removed += capStmt.run(agentId, "episode", rules.maxEpisodes).changes;
    return removed;
  });
  const forget = db.transaction((agentId: string) => {
    forgetItemsStmt.run(agentId);
    forgetWorkingStmt.run(agentId);
  });

  return {
    async appendMessages(agentId, messages, at, keep) {
      append(agentId, messages, at, keep);
    },
    async recentMessages(agentId, limit) {
      return (recentStmt.all(agentId, limit) as string[]).map((text) => JSON.parse(text) as unknown);
    },
    async addItem(item) {
      const { lastInsertRowid } = insertItemStmt.run({ ...item, embedding: blobOf(item.embedding) });
      return itemStmt.get(lastInsertRowid) as MemoryItemRecord;
    },
    async recallCandidates(agentId) {
      return (candidatesStmt.all(agentId) as (MemoryItemRecord & { embedding: Buffer | null })[]).map((row) => ({
        ...row,
        embedding: vectorOf(row.embedding),
      }));
    },
    async setEmbedding(id, embedding, embedderId) {
      setEmbeddingStmt.run(blobOf(embedding), embedderId, id);
    },
    async markRecalled(ids, at) {
      markRecalled(ids, at);
    },
    async promoteRecalled(agentId, minRecalls, at) {
      return promoteStmt.run(at, agentId, minRecalls).changes;
    },
    async prune(agentId, rules) {
      return prune(agentId, rules);
    },
    async items(agentId, { kind, limit, offset }) {
      const where = kind === undefined ? "agent_id = ?" : "agent_id = ? AND kind = ?";
      const params = kind === undefined ? [agentId] : [agentId, kind];
      const items = db
        .prepare(`SELECT ${ITEM_COLUMNS} FROM memory_items WHERE ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
        .all(...params, limit, offset) as MemoryItemRecord[];
      const total = db.prepare(`SELECT COUNT(*) FROM memory_items WHERE ${where}`).pluck().get(...params) as number;
      return { items, total };
    },
    async counts(agentId) {
      return byKind(countsStmt.all(agentId) as { kind: string; n: number }[]);
    },
    async working(agentId) {
      return workingStmt.get(agentId) as { content: string; updated_at: number } | undefined;
    },
    async setWorking(agentId, content, at) {
      setWorkingStmt.run(agentId, content, at);
    },
    async forget(agentId) {
      forget(agentId);
    },
    async figures() {
      return {
        agents_with_memory: agentsStmt.get() as number,
        items_by_kind: byKind(allKindsStmt.all() as { kind: string; n: number }[]),
        working_documents: workingCountStmt.get() as number,
        store_bytes: sizeStmt.get() as number,
      };
    },
  };
}
