/**
 * Tool search for `pygent__search_tools`: BM25F over each tool's name (split at separators and
 * camelCase humps, the server id included), its description and its parameter names, no model
 * needed. An index is built on the first search over a set of tools and kept while the set's key
 * stays the same, so a catalog that does not change is tokenised once.
 */
import type { Tool } from "@modelcontextprotocol/server";
import { tokenize } from "../discovery/index.js";

/** How much a word counts in each field: a word of the name says most about what a tool does. */
const FIELD_WEIGHTS = { name: 3, parameters: 1.5, description: 1 } as const;
type Field = keyof typeof FIELD_WEIGHTS;
const FIELDS = Object.keys(FIELD_WEIGHTS) as Field[];

/** BM25's term-frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;
/** A query word that only begins a tool's word ("dir" in "directory") counts this much. */
const PREFIX_CREDIT = 0.5;
const MIN_PREFIX_LENGTH = 3;
/** Hits under this share of the best one are noise. */
const RELATIVE_CUTOFF = 0.05;
/** Indexes kept at once (one per distinct set of visible tools, e.g. per profile). */
const MAX_INDEXES = 8;

/** Words of requests that say nothing about which tool is meant. */
const STOP_WORDS = new Set([
  "a", "an", "the", "to", "of", "for", "in", "on", "at", "by", "with", "from", "and", "or", "is", "are", "be",
  "it", "its", "this", "that", "these", "my", "me", "i", "some", "any", "can", "do", "how", "what", "which",
  "tool", "use", "using",
]);

/** The tools a session can see and a key that changes whenever they may have changed. */
export interface VisibleTools {
  /** The tools, the gateway's own excluded. */
  list(): Tool[];
  /** Equal keys promise equal lists: the search index is rebuilt only when the key changes. */
  key(): string;
}

export interface ToolHit {
  tool: Tool;
  score: number;
}

/** Words of an identifier or a sentence: `readTextFile`, `read_text_file` and "read text files" give the same words. */
export function toolWords(text: string): string[] {
  return tokenize(text.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2"));
}

function parameterNames(tool: Tool): string[] {
  const properties = (tool.inputSchema as { properties?: unknown }).properties;
  return typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
}

function fieldWords(tool: Tool): Record<Field, string[]> {
  return {
    name: toolWords(tool.name),
    parameters: parameterNames(tool).flatMap(toolWords),
    description: toolWords(`${tool.title ?? ""} ${tool.description ?? ""}`),
  };
}

export interface ToolIndex {
  search(query: string, limit: number): ToolHit[];
}

export function buildToolIndex(tools: readonly Tool[]): ToolIndex {
  const words = tools.map(fieldWords);
  const total = tools.length;
  const averages = Object.fromEntries(
    FIELDS.map((field) => [field, words.reduce((sum, fields) => sum + fields[field].length, 0) / Math.max(1, total) || 1]),
  ) as Record<Field, number>;
  // word -> tool index -> the word's frequency in the tool, each field's count weighted and
  // normalised by the field's length (BM25F), so a search only adds up what it finds here.
  const postings = new Map<string, Map<number, number>>();
  words.forEach((fields, doc) => {
    for (const field of FIELDS) {
      const norm = FIELD_WEIGHTS[field] / (1 - B + (B * fields[field].length) / averages[field]);
      for (const word of fields[field]) {
        let posting = postings.get(word);
        if (!posting) postings.set(word, (posting = new Map()));
        posting.set(doc, (posting.get(doc) ?? 0) + norm);
      }
    }
  });

  /** Each tool's weighted frequency of the term: its own word, and at PREFIX_CREDIT the words it begins. */
  function frequencies(term: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const [word, posting] of postings) {
      const credit = word === term ? 1 : term.length >= MIN_PREFIX_LENGTH && word.startsWith(term) ? PREFIX_CREDIT : 0;
      if (credit === 0) continue;
      for (const [doc, tf] of posting) out.set(doc, (out.get(doc) ?? 0) + credit * tf);
    }
    return out;
  }

  return {
    search(query, limit) {
      const terms = [...new Set(toolWords(query).filter((word) => !STOP_WORDS.has(word)))];
      if (terms.length === 0) return [];
      const scores = new Map<number, { score: number; matched: number }>();
      for (const term of terms) {
        const found = frequencies(term);
        const idf = Math.log(1 + (total - found.size + 0.5) / (found.size + 0.5));
        for (const [doc, tf] of found) {
          const entry = scores.get(doc) ?? { score: 0, matched: 0 };
          entry.score += idf * ((tf * (K1 + 1)) / (tf + K1));
          entry.matched += 1;
          scores.set(doc, entry);
        }
      }
      // A tool matching every word of the query comes before one matching a few of them.
      const hits: ToolHit[] = [...scores].map(([doc, { score, matched }]) => ({
        tool: tools[doc]!,
        score: Math.round(score * (matched / terms.length) ** 2 * 1000) / 1000,
      }));
      hits.sort((a, b) => b.score - a.score || (a.tool.name < b.tool.name ? -1 : 1));
      const floor = (hits[0]?.score ?? 0) * RELATIVE_CUTOFF;
      return hits.filter((hit) => hit.score >= floor).slice(0, limit);
    },
  };
}

/** Searches over any set of visible tools, keeping the indexes of the last few keys. */
export interface ToolSearch {
  search(visible: VisibleTools, query: string, limit: number): ToolHit[];
}

export function createToolSearch(): ToolSearch {
  const indexes = new Map<string, ToolIndex>();
  return {
    search(visible, query, limit) {
      const key = visible.key();
      let index = indexes.get(key);
      if (!index) {
        index = buildToolIndex(visible.list());
        indexes.set(key, index);
        if (indexes.size > MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
      }
      return index.search(query, limit);
    },
  };
}
