/** The discovery source over the curated catalog shipped with the product. */
import { BUILTIN_CATALOG } from "./builtin-catalog.js";
import { normalizeServerJson, type CatalogEntry, type CatalogEntryInput } from "./schema.js";
import type { DiscoverySource } from "./source.js";

export const BUILTIN_SOURCE_ID = "builtin";

/**
 * Validates the catalog once, when the source is made: a bad built-in entry is a bug in the
 * product, so it fails loudly instead of being skipped.
 */
export function createBuiltinSource(catalog: readonly CatalogEntryInput[] = BUILTIN_CATALOG): DiscoverySource {
  const entries: CatalogEntry[] = catalog.map((raw, index) =>
    normalizeServerJson(raw, { label: `builtin[${index}]`, defaults: { source: BUILTIN_SOURCE_ID } }),
  );
  return {
    id: BUILTIN_SOURCE_ID,
    async list() {
      return structuredClone(entries);
    },
  };
}
