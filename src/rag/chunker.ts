/**
 * Cuts a document's sections into chunks of at most `maxWords` words. A chunk ends at a
 * paragraph boundary where it can and never spans two sections, so a heading always starts a
 * chunk; a paragraph longer than a chunk is cut between words. Within a section each chunk
 * begins with the last `overlapWords` words of the one before, so a sentence cut at a boundary
 * is whole in one of them.
 */
import type { Section } from "./extract.js";

export interface ChunkOptions {
  maxWords: number;
  overlapWords: number;
}

export interface Chunk {
  position: number;
  /** The section's headings joined with " > "; "" when none. */
  heading: string;
  text: string;
}

export const DEFAULT_CHUNKING: ChunkOptions = { maxWords: 200, overlapWords: 40 };

const HEADING_SEPARATOR = " > ";

function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== "");
}

/** The section's paragraphs as word lists, none longer than `room` words. */
function units(text: string, room: number): string[][] {
  const out: string[][] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const words = wordsOf(paragraph);
    for (let start = 0; start < words.length; start += room) out.push(words.slice(start, start + room));
  }
  return out;
}

export function chunkSections(sections: readonly Section[], options: ChunkOptions = DEFAULT_CHUNKING): Chunk[] {
  const maxWords = Math.max(1, options.maxWords);
  const overlapWords = Math.max(0, Math.min(options.overlapWords, Math.floor(maxWords / 2)));
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const heading = section.headings.join(HEADING_SEPARATOR);
    let paragraphs: string[] = [];
    let count = 0;
    /** Whether the chunk under way holds words the previous chunk did not. */
    let fresh = false;
    const emit = (): void => {
      if (!fresh) return;
      const text = paragraphs.join("\n\n");
      chunks.push({ position: chunks.length, heading, text });
      const carried = overlapWords === 0 ? [] : wordsOf(text).slice(-overlapWords);
      paragraphs = carried.length > 0 ? [carried.join(" ")] : [];
      count = carried.length;
      fresh = false;
    };
    for (const unit of units(section.text, maxWords - overlapWords)) {
      // A unit is at most maxWords - overlapWords long, so after emit() it fits beside the overlap.
      if (count + unit.length > maxWords) emit();
      paragraphs.push(unit.join(" "));
      count += unit.length;
      fresh = true;
    }
    emit();
  }
  return chunks;
}
