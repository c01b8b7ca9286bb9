import type { Migration } from "./index.js";

/**
 * Agents' memory: one table of items per agent (recent chat messages, long-term facts, episodes,
 * each fact and episode with its embedding and how often it was recalled) and each agent's
 * working-memory document.
 */
export const migration016: Migration = {
  version: 16,
  name: "agent memory",
  statements: [
    `CREATE TABLE memory_items (
      id INTEGER PRIMARY KEY,
      agent_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      content TEXT NOT NULL,
      message TEXT,
      importance REAL NOT NULL,
      embedding BLOB,
      embedder_id TEXT,
      recall_count INTEGER NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL,
      last_recalled_at BIGINT,
      promoted_at BIGINT
    )`,
    "CREATE INDEX memory_items_agent_kind ON memory_items (agent_id, kind, id)",
    `CREATE TABLE memory_working (
      agent_id TEXT PRIMARY KEY,
      content TEXT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
  ],
};
