/**
 * The default embedder: no model, no download. A text becomes a bag of features — its words
 * (common English words left out), its word pairs and the character 3- to 5-grams of each word —
 * each hashed into one of `dimensions` slots with a sign from the hash (so collisions cancel out
 * on average instead of piling up), weighted by kind and by sublinear term frequency
 * (1 + ln tf), then scaled to unit length. Texts that share words, phrases or word stems land
 * close; unrelated texts land near orthogonal. Deterministic across runs and machines.
 */
import type { Embedder } from "./types.js";

export const HASHED_EMBEDDER_DIMENSIONS = 512;

/** How much each kind of feature counts: whole words most, pairs for phrases, n-grams for stems and typos. */
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.6;
const NGRAM_WEIGHT = 0.25;
const NGRAM_SIZES = [3, 4, 5] as const;

const STOP_WORDS = new Set(
  (
    "a an and are as at be but by for from has have how i in into is it its of on or that the their them then there these " +
    "this to was were what when where which who why will with you your can do does not no so than too very we our us"
  ).split(" "),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** 32-bit FNV-1a over the string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The words of a text, lower-cased, without the common ones. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).filter((word) => !STOP_WORDS.has(word));
}

function features(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number): void => {
    counts.set(feature, (counts.get(feature) ?? 0) + weight);
  };
  const words = contentWords(text);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    add(`w:${word}`, 1);
    if (i > 0) add(`b:${words[i - 1]} ${word}`, 1);
    const padded = `<${word}>`;
    for (const size of NGRAM_SIZES) {
      for (let start = 0; start + size <= padded.length; start++) add(`c:${padded.slice(start, start + size)}`, 1);
    }
  }
  return counts;
}

function kindWeight(feature: string): number {
  if (feature.startsWith("w:")) return WORD_WEIGHT;
  if (feature.startsWith("b:")) return BIGRAM_WEIGHT;
  return NGRAM_WEIGHT;
}

/** Embeds one text; a text with no words gives the zero vector, which is similar to nothing. */
export function hashedVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const [feature, count] of features(text)) {
    const hash = fnv1a(feature);
    const sign = hash & 0x80000000 ? -1 : 1;
    vector[hash % dimensions]! += sign * kindWeight(feature) * (1 + Math.log(count));
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i]! *= scale;
  return vector;
}

export class HashedEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(dimensions = HASHED_EMBEDDER_DIMENSIONS) {
    if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 8192) {
      throw new RangeError(`dimensions must be an integer from 16 to 8192, not ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.id = `hashed:v1:${dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => hashedVector(text, this.dimensions));
  }
}
