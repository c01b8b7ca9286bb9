import { describe, expect, it } from "vitest";
import { HashedEmbedder } from "./hashed-embedder.js";
import { cosineOfUnit } from "./vectors.js";

describe("hashed embedder", () => {
  const embedder = new HashedEmbedder(512);

  it("names its vector space by version and dimensions", () => {
    expect(embedder.id).toBe("hashed:v1:512");
    expect(new HashedEmbedder(1024).id).toBe("hashed:v1:1024");
    expect(() => new HashedEmbedder(3)).toThrow(/dimensions/);
  });

  it("gives one unit-length vector per text, in order", async () => {
    const vectors = await embedder.embed(["SQLite full-text search", "Kubernetes pods restart", "x"]);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(512);
      expect(cosineOfUnit(vector, vector)).toBeCloseTo(1, 5);
    }
  });

  it("gives the same vector for the same text, every time", async () => {
    const [a] = await embedder.embed(["Reciprocal rank fusion merges two rankings"]);
    const [b] = await new HashedEmbedder(512).embed(["Reciprocal rank fusion merges two rankings"]);
    expect(Array.from(b!)).toEqual(Array.from(a!));
  });

  it("puts texts about the same thing closer than unrelated ones", async () => {
    const [query, related, unrelated] = await embedder.embed([
      "how do I restart a crashed database server",
      "the database server crashed and restarting it fixed the connection errors",
      "a recipe for baking sourdough bread with a crisp crust",
    ]);
    expect(cosineOfUnit(query!, related!)).toBeGreaterThan(cosineOfUnit(query!, unrelated!) + 0.15);
  });

  it("matches word forms through character n-grams", async () => {
    const [a, b, c] = await embedder.embed(["indexing documents", "indexed document", "weather forecast"]);
    expect(cosineOfUnit(a!, b!)).toBeGreaterThan(0.3);
    expect(cosineOfUnit(a!, b!)).toBeGreaterThan(cosineOfUnit(a!, c!) + 0.2);
  });

  it("gives the zero vector, similar to nothing, for a text without words", async () => {
    const [empty] = await embedder.embed(["  ... !!"]);
    expect(Array.from(empty!).every((value) => value === 0)).toBe(true);
  });
});
