import type { Migration } from "./index.js";

/**
 * The retrieval index: documents, their chunks with one embedding each (Float32 little-endian
 * BLOB), an FTS5 index over the chunks' heading and text kept in step by triggers, and the
 * index's settings (which embedder wrote its vectors, so that vectors of another are refused).
 */
export const migration015: Migration = {
  version: 15,
  name: "retrieval index",
  statements: [
    `CREATE TABLE rag_documents (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      source TEXT NOT NULL UNIQUE,
      source_kind TEXT NOT NULL,
      format TEXT NOT NULL,
      title TEXT,
      bytes INTEGER NOT NULL,
      chunk_count INTEGER NOT NULL,
      ingested_at BIGINT NOT NULL
    )`,
    `CREATE TABLE rag_chunks (
      id INTEGER PRIMARY KEY,
      document_id TEXT NOT NULL REFERENCES rag_documents(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      heading TEXT NOT NULL,
      text TEXT NOT NULL,
      embedding BLOB NOT NULL
    )`,
    "CREATE INDEX rag_chunks_document ON rag_chunks (document_id, position)",
    `CREATE VIRTUAL TABLE rag_chunks_fts USING fts5(
      heading, text, content='rag_chunks', content_rowid='id', tokenize='porter unicode61'
    )`,
    `CREATE TRIGGER rag_chunks_fts_insert AFTER INSERT ON rag_chunks BEGIN
      INSERT INTO rag_chunks_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
    END`,
    `CREATE TRIGGER rag_chunks_fts_delete AFTER DELETE ON rag_chunks BEGIN
      INSERT INTO rag_chunks_fts (rag_chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
    END`,
    `CREATE TABLE rag_settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
  ],
};
