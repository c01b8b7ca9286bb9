import { describe, expect, it } from "vitest";
import { documentKey, retrievalKind } from "./kinds.js";
import { GenomeSchema } from "./genome.js";

describe("the retrieval kind", () => {
  it("matches a label to a document named by a file's path, a URL or with its extension", () => {
    expect(documentKey("sqlite-wal")).toBe("sqlite-wal");
    expect(documentKey("sqlite-wal.md")).toBe("sqlite-wal");
    expect(documentKey("/home/me/corpus/docs/sqlite-wal.md")).toBe("sqlite-wal");
    expect(documentKey("C:\\corpus\\sqlite-wal.md")).toBe("sqlite-wal");
    expect(documentKey("https://example.com/guides/sqlite-wal.html")).toBe("sqlite-wal");
    expect(documentKey("https://example.com/guides/")).toBe("guides");
  });

  it("scores recall@k with documents ingested by their paths, as `pygent rag ingest <files>` names them", async () => {
    const kind = retrievalKind(async () => ["/corpus/docs/tls-handshake.md", "/corpus/docs/sqlite-wal.md"], { mode: "bm25", limit: 5, rrf_k: 60 });
    const prepared = await kind.prepare({ tasks: [{ q: "readers during writes", relevant: ["sqlite-wal"] }, { q: "nothing", relevant: ["dns.md"] }] });
    const genome = GenomeSchema.parse({ clauses: [], tools: [], temperature: 0, step_limit: 1, retrieval: { mode: "bm25", limit: 5, rrf_k: 60 } });
    const evaluate = prepared.evaluate as (genome: unknown, task: unknown) => Promise<number>;
    expect(await evaluate(genome, prepared.tasks[0])).toBe(1);
    expect(await evaluate(genome, prepared.tasks[1])).toBe(0);
  });
});
