/**
 * The extension point for discovery: a source is anything that can list catalog entries (the
 * built-in catalog, an MCP registry, a scan of installed packages). The catalog merges them;
 * a source does one job and knows nothing of the others.
 */
import type { CatalogEntry } from "./schema.js";

export interface DiscoverySourceListOptions {
  /** Aborts the listing; a source rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DiscoverySource {
  /** Stable id, recorded on each entry as `_meta["io.pygent/marketplace"].source`. */
  readonly id: string;
  /**
   * True for a source that reaches over the network. The catalog may serve such a source's
   * entries from its cache instead of asking again on every start.
   */
  readonly remote?: boolean;
  /**
   * What the source lists from (a registry's URL and filters). Entries cached under another
   * fingerprint are listed again even while the cache is fresh; the id stands in when absent.
   */
  readonly fingerprint?: string;
  list(options?: DiscoverySourceListOptions): Promise<CatalogEntry[]>;
}
