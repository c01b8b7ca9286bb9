/**
 * Full-text ranking of catalog entries. Each entry is tokenised once per field; a query scores
 * BM25-style per field (term frequency saturated, rarer terms count more), with field weights
 * id > name > title > tags > category > description, half credit for a prefix match, a bonus when
 * the query is the id, and a penalty for query words an entry does not match at all. Hits far
 * below the best one are dropped. Ties break by id so the order never depends on insertion or on
 * the engine's sort.
 */
import { marketplaceOf, type CatalogEntry } from "./schema.js";

const FIELD_WEIGHTS = {
  id: 10,
  name: 6,
  title: 5,
  tags: 4,
  identifiers: 2,
  category: 2,
  description: 1,
  namespace: 0.5,
} as const;
type Field = keyof typeof FIELD_WEIGHTS;

/** BM25's term-frequency saturation. */
const K1 = 1.2;
const PREFIX_CREDIT = 0.5;
const EXACT_ID_BONUS = 50;
const ID_PREFIX_BONUS = 10;
const EXACT_TITLE_BONUS = 20;
/** Hits scoring under this share of the best hit are noise (a word only in a namespace, say). */
const RELATIVE_CUTOFF = 0.01;

/** Words so common in this catalog that they would match everything. */
const STOP_WORDS = new Set(["mcp", "server", "the", "a", "an", "and", "or", "for", "of", "to", "with", "via", "in", "on", "by", "from"]);

/**
 * Lower-case alphanumeric words, with a plain plural 's' dropped so "files" finds "file" and
 * "docs" finds "doc"; the same rule applies to documents and queries, so odd stems still meet.
 */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word));
}

interface IndexedEntry {
  entry: CatalogEntry;
  id: string;
  fields: Record<Field, Map<string, number>>;
  tokens: string[];
  title: string;
}

export interface SearchIndex {
  readonly size: number;
  rank(query: string): Array<{ entry: CatalogEntry; score: number }>;
}

function counts(words: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const word of words) out.set(word, (out.get(word) ?? 0) + 1);
  return out;
}

function indexEntry(entry: CatalogEntry): IndexedEntry {
  const market = marketplaceOf(entry);
  const slash = entry.name.indexOf("/");
  const fields: Record<Field, Map<string, number>> = {
    id: counts(tokenize(market.id)),
    name: counts(tokenize(entry.name.slice(slash + 1))),
    title: counts(tokenize(entry.title ?? "")),
    tags: counts(market.tags.flatMap(tokenize)),
    identifiers: counts((entry.packages ?? []).flatMap((pkg) => tokenize(pkg.identifier))),
    category: counts(tokenize(market.category)),
    description: counts(tokenize(entry.description)),
    namespace: counts(tokenize(entry.name.slice(0, Math.max(0, slash)))),
  };
  const tokens = [...new Set(Object.values(fields).flatMap((field) => [...field.keys()]))];
  return { entry, id: market.id, fields, tokens, title: (entry.title ?? "").toLowerCase() };
}

export function buildSearchIndex(entries: readonly CatalogEntry[]): SearchIndex {
  const indexed = entries.map(indexEntry);
  const total = indexed.length;
  const dfCache = new Map<string, number>();

  function documentFrequency(term: string): number {
    let df = dfCache.get(term);
    if (df === undefined) {
      df = indexed.filter((doc) => doc.tokens.some((token) => token.startsWith(term))).length;
      dfCache.set(term, df);
    }
    return df;
  }

  function termScore(doc: IndexedEntry, term: string, idf: number): number {
    let score = 0;
    for (const field of Object.keys(FIELD_WEIGHTS) as Field[]) {
      let exact = 0;
      let prefix = 0;
      for (const [token, count] of doc.fields[field]) {
        if (token === term) exact += count;
        else if (term.length >= 2 && token.startsWith(term)) prefix += count;
      }
      const tf = exact + PREFIX_CREDIT * prefix;
      if (tf > 0) score += FIELD_WEIGHTS[field] * idf * ((tf * (K1 + 1)) / (tf + K1));
    }
    return score;
  }

  return {
    size: total,
    rank(query) {
      const all = tokenize(query);
      const meaningful = all.filter((word) => !STOP_WORDS.has(word));
      const terms = [...new Set(meaningful.length > 0 ? meaningful : all)];
      if (terms.length === 0) return [];
      const joined = all.join("-");
      const phrase = query.trim().toLowerCase();

      const hits: Array<{ entry: CatalogEntry; score: number; id: string }> = [];
      for (const doc of indexed) {
        let score = 0;
        let matched = 0;
        for (const term of terms) {
          const df = documentFrequency(term);
          const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
          const s = termScore(doc, term, idf);
          if (s > 0) matched += 1;
          score += s;
        }
        if (matched === 0) continue;
        // Entries matching only some of the words fall behind those matching all of them.
        score *= (matched / terms.length) ** 2;
        if (joined === doc.id) score += EXACT_ID_BONUS;
        else if (doc.id.startsWith(joined)) score += ID_PREFIX_BONUS;
        if (phrase.length > 0 && phrase === doc.title) score += EXACT_TITLE_BONUS;
        hits.push({ entry: doc.entry, id: doc.id, score: Math.round(score * 1e6) / 1e6 });
      }
      hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const floor = (hits[0]?.score ?? 0) * RELATIVE_CUTOFF;
      return hits.filter((hit) => hit.score >= floor).map(({ entry, score }) => ({ entry, score }));
    },
  };
}

