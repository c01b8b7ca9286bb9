import { describe, expect, it } from "vitest";
import { chunkSections } from "./chunker.js";

const words = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(" ");

describe("chunker", () => {
  it("keeps chunks within the word limit and repeats the overlap at the start of the next", () => {
    const text = [words("a", 30), words("b", 30), words("c", 30), words("d", 30)].join("\n\n");
    const chunks = chunkSections([{ headings: ["Guide"], text }], { maxWords: 50, overlapWords: 10 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.text.split(/\s+/).length).toBeLessThanOrEqual(50);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1]!.text.split(/\s+/);
      expect(chunks[i]!.text.split(/\s+/).slice(0, 10)).toEqual(previous.slice(-10));
    }
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, i) => i));
  });

  it("ends chunks at paragraph boundaries when the paragraphs fit", () => {
    const text = [words("a", 20), words("b", 20), words("c", 20)].join("\n\n");
    const [first, second] = chunkSections([{ headings: [], text }], { maxWords: 45, overlapWords: 0 });
    expect(first!.text).toBe(`${words("a", 20)}\n\n${words("b", 20)}`);
    expect(second!.text).toBe(words("c", 20));
  });

  it("cuts a paragraph longer than a chunk between words, losing none", () => {
    const chunks = chunkSections([{ headings: [], text: words("w", 120) }], { maxWords: 50, overlapWords: 0 });
    expect(chunks.map((chunk) => chunk.text).join(" ")).toBe(words("w", 120));
  });

  it("never spans two sections, and names each chunk's headings", () => {
    const chunks = chunkSections(
      [
        { headings: ["Guide", "Install"], text: "short install text" },
        { headings: ["Guide", "Usage"], text: "short usage text" },
      ],
      { maxWords: 200, overlapWords: 40 },
    );
    expect(chunks).toEqual([
      { position: 0, heading: "Guide > Install", text: "short install text" },
      { position: 1, heading: "Guide > Usage", text: "short usage text" },
    ]);
  });
});
