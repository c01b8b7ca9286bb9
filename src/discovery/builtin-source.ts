/** The discovery source over the curated catalog shipped with the product. */
import { BUILTIN_CATALOG } from "./builtin-catalog.js";
import { normalizeServerJson, type CatalogEntry, type CatalogEntryInput } from "./schema.js";
import type { DiscoverySource } from "./source.js";

export const BUILTIN_SOURCE_ID = "builtin";

/**
 * Validates the catalog once, on its first listing: a bad built-in entry is a bug in the
 * product, so the listing fails loudly instead of skipping it (builtin-catalog.test.ts lists it).
 */
export function createBuiltinSource(catalog: readonly CatalogEntryInput[] = BUILTIN_CATALOG): DiscoverySource {
  // Not when the source is made: the daemon makes it before it answers, and lists it only once
  // its servers have started.
  let entries: CatalogEntry[] | undefined;
  return {
    id: BUILTIN_SOURCE_ID,
    async list() {
      entries ??= catalog.map((raw, index) =>
        normalizeServerJson(raw, { label: `builtin[${index}]`, defaults: { source: BUILTIN_SOURCE_ID } }),
      );
      return structuredClone(entries);
    },
  };
}
