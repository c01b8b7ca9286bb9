/**
 * The retrieval index: documents, chunks with their vectors, BM25 over the chunks through FTS5,
 * and the one embedder whose vectors the index holds. A document saved again under the same
 * source replaces the old one. Vectors of another embedder (or another length) are refused while
 * the index holds any chunk; `replaceEmbeddings` moves the whole index to a new embedder at once.
 */
import { AppError } from "../core/errors.js";
import type { SqliteDatabase } from "./database.js";

export type RagSourceKind = "path" | "url" | "text";
export type RagFormat = "text" | "markdown" | "html";

export interface RagDocumentRecord {
  id: string;
  name: string;
  /** The absolute path, the URL, or `text:<name>` for inline text; unique in the index. */
  source: string;
  source_kind: RagSourceKind;
  format: RagFormat;
  title: string | null;
  bytes: number;
  chunk_count: number;
  ingested_at: number;
}

export interface NewRagChunk {
  position: number;
  /** The headings the chunk sits under, outermost first, joined with " > "; "" when none. */
  heading: string;
  text: string;
  embedding: Float32Array;
}

export interface RagChunkRecord {
  id: number;
  document_id: string;
  document_name: string;
  source: string;
  position: number;
  heading: string;
  text: string;
}

/** Every vector of the index in one matrix, row `i` belonging to chunk `ids[i]`. */
export interface RagVectors {
  ids: Int32Array;
  dimensions: number;
  matrix: Float32Array;
}

export interface RagIndexFigures {
  documents: number;
  chunks: number;
  /** The embedder whose vectors the index holds; null while it holds none. */
  embedder_id: string | null;
  /** Bytes of the index's tables and indexes in the database file. */
  index_bytes: number;
  last_ingest_at: number | null;
}

export interface RagRepository {
  /** The embedder whose vectors the index holds; null while it holds none. */
  embedderId(): Promise<string | null>;
  /** Inserts the document and its chunks, replacing a document of the same source; resolves with the replaced one's id. */
  saveDocument(document: RagDocumentRecord, chunks: NewRagChunk[], embedderId: string): Promise<{ replaced: string | null }>;
  listDocuments(): Promise<RagDocumentRecord[]>;
  getDocument(id: string): Promise<RagDocumentRecord | undefined>;
  /** False when no document has the id. */
  removeDocument(id: string): Promise<boolean>;
  /** The chunks of these ids, in no particular order. */
  chunks(ids: readonly number[]): Promise<RagChunkRecord[]>;
  /** BM25 over heading and text: chunks holding any of the words, best first, with a score where higher is better. */
  searchText(words: readonly string[], limit: number): Promise<{ chunk_id: number; score: number }[]>;
  vectors(): Promise<RagVectors>;
  /** Every chunk's id, heading and text, for embedding them again. */
  chunkTexts(): Promise<{ id: number; heading: string; text: string }[]>;
  /** Replaces every chunk's vector and records the embedder, in one transaction. */
  replaceEmbeddings(rows: readonly { id: number; embedding: Float32Array }[], embedderId: string): Promise<void>;
  figures(): Promise<RagIndexFigures>;
}

const EMBEDDER_KEY = "embedder_id";

function blobOf(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** An FTS5 query matching any of the words, each quoted so that no word is read as an operator. */
function anyOf(words: readonly string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" OR ");
}

export function sqliteRagRepository(db: SqliteDatabase): RagRepository {
  const embedderStmt = db.prepare("SELECT value FROM rag_settings WHERE key = ?").pluck();
  const setEmbedderStmt = db.prepare(
    "INSERT INTO rag_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  const chunkCountStmt = db.prepare("SELECT COUNT(*) FROM rag_chunks").pluck();
  const anyDimensionsStmt = db.prepare("SELECT length(embedding) / 4 FROM rag_chunks LIMIT 1").pluck();
  const bySourceStmt = db.prepare("SELECT id FROM rag_documents WHERE source = ?").pluck();
  const deleteChunksStmt = db.prepare("DELETE FROM rag_chunks WHERE document_id = ?");
  const deleteDocumentStmt = db.prepare("DELETE FROM rag_documents WHERE id = ?");
  const insertDocumentStmt = db.prepare(
    `INSERT INTO rag_documents (id, name, source, source_kind, format, title, bytes, chunk_count, ingested_at)
     VALUES (@id, @name, @source, @source_kind, @format, @title, @bytes, @chunk_count, @ingested_at)`,
  );
  const insertChunkStmt = db.prepare(
    "INSERT INTO rag_chunks (document_id, position, heading, text, embedding) VALUES (?, ?, ?, ?, ?)",
  );
  const listStmt = db.prepare("SELECT * FROM rag_documents ORDER BY ingested_at DESC, name");
  const getStmt = db.prepare("SELECT * FROM rag_documents WHERE id = ?");
  const searchStmt = db.prepare(
    "SELECT rowid AS chunk_id, -bm25(rag_chunks_fts, 2.0, 1.0) AS score FROM rag_chunks_fts WHERE rag_chunks_fts MATCH ? ORDER BY score DESC LIMIT ?",
  );
  const vectorsStmt = db.prepare("SELECT id, embedding FROM rag_chunks ORDER BY id").raw();
  const textsStmt = db.prepare("SELECT id, heading, text FROM rag_chunks ORDER BY id");
  const updateEmbeddingStmt = db.prepare("UPDATE rag_chunks SET embedding = ? WHERE id = ?");
  const figuresStmt = db.prepare(
    "SELECT (SELECT COUNT(*) FROM rag_documents) AS documents, (SELECT COUNT(*) FROM rag_chunks) AS chunks, (SELECT MAX(ingested_at) FROM rag_documents) AS last_ingest_at",
  );
  const sizeStmt = db.prepare("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'rag\\_%' ESCAPE '\\'").pluck();

  const recordedEmbedder = (): string | null => (embedderStmt.get(EMBEDDER_KEY) as string | undefined) ?? null;

  const checkEmbedder = (embedderId: string, dimensions: number | undefined): void => {
    if ((chunkCountStmt.get() as number) === 0) return;
    const recorded = recordedEmbedder();
    const storedDimensions = anyDimensionsStmt.get() as number | undefined;
    if (recorded !== embedderId || (dimensions !== undefined && storedDimensions !== dimensions)) {
      throw new AppError(
        "EMBEDDER_MISMATCH",
        `the retrieval index holds vectors of ${recorded ?? "an unnamed embedder"}, not ${embedderId}; re-index it (pygent rag reindex) to move it to ${embedderId}`,
        { index_embedder: recorded, embedder: embedderId },
      );
    }
  };

  const save = db.transaction((document: RagDocumentRecord, chunks: NewRagChunk[], embedderId: string) => {
    const previous = (bySourceStmt.get(document.source) as string | undefined) ?? null;
    if (previous !== null) {
      deleteChunksStmt.run(previous);
      deleteDocumentStmt.run(previous);
    }
    checkEmbedder(embedderId, chunks[0]?.embedding.length);
    insertDocumentStmt.run(document);
    for (const chunk of chunks) insertChunkStmt.run(document.id, chunk.position, chunk.heading, chunk.text, blobOf(chunk.embedding));
    setEmbedderStmt.run(EMBEDDER_KEY, embedderId);
    return previous;
  });

  const remove = db.transaction((id: string) => {
    deleteChunksStmt.run(id);
    return deleteDocumentStmt.run(id).changes > 0;
  });

  const replace = db.transaction((rows: readonly { id: number; embedding: Float32Array }[], embedderId: string) => {
    for (const row of rows) updateEmbeddingStmt.run(blobOf(row.embedding), row.id);
    setEmbedderStmt.run(EMBEDDER_KEY, embedderId);
  });

  return {
    async embedderId() {
      return (chunkCountStmt.get() as number) > 0 ? recordedEmbedder() : null;
    },
    async saveDocument(document, chunks, embedderId) {
      return { replaced: save(document, chunks, embedderId) };
    },
    async listDocuments() {
      return listStmt.all() as RagDocumentRecord[];
    },
    async getDocument(id) {
      return getStmt.get(id) as RagDocumentRecord | undefined;
    },
    async removeDocument(id) {
      return remove(id);
    },
    async chunks(ids) {
      if (ids.length === 0) return [];
      const placeholders = ids.map(() => "?").join(", ");
      return db
        .prepare(
          `SELECT c.id, c.document_id, d.name AS document_name, d.source, c.position, c.heading, c.text
           FROM rag_chunks c JOIN rag_documents d ON d.id = c.document_id WHERE c.id IN (${placeholders})`,
        )
        .all(...ids) as RagChunkRecord[];
    },
    async searchText(words, limit) {
      if (words.length === 0) return [];
      return searchStmt.all(anyOf(words), limit) as { chunk_id: number; score: number }[];
    },
    async vectors() {
      const rows = vectorsStmt.all() as [number, Buffer][];
      const dimensions = rows.length === 0 ? 0 : rows[0]![1].length / 4;
      const ids = new Int32Array(rows.length);
      const matrix = new Float32Array(rows.length * dimensions);
      const bytes = Buffer.from(matrix.buffer);
      rows.forEach(([id, blob], row) => {
        ids[row] = id;
        blob.copy(bytes, row * dimensions * 4, 0, dimensions * 4);
      });
      return { ids, dimensions, matrix };
    },
    async chunkTexts() {
      return textsStmt.all() as { id: number; heading: string; text: string }[];
    },
    async replaceEmbeddings(rows, embedderId) {
      replace(rows, embedderId);
    },
    async figures() {
      const counts = figuresStmt.get() as { documents: number; chunks: number; last_ingest_at: number | null };
      return { ...counts, embedder_id: counts.chunks > 0 ? recordedEmbedder() : null, index_bytes: sizeStmt.get() as number };
    },
  };
}
