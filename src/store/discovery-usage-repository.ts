/** How often each catalog server was installed and its tools called through the daemon. */
import type { SqliteDatabase } from "./database.js";

export interface DiscoveryUsageRecord {
  catalog_id: string;
  installs: number;
  tool_calls: number;
  /** ISO 8601, as the discovery cache writes it. */
  last_used_at: string | null;
}

export interface DiscoveryUsageRepository {
  /** Replaces the counts of one catalog server. */
  save(record: DiscoveryUsageRecord): Promise<void>;
  list(): Promise<DiscoveryUsageRecord[]>;
}

export function sqliteDiscoveryUsageRepository(db: SqliteDatabase): DiscoveryUsageRepository {
  const upsert = db.prepare(
    `INSERT INTO discovery_usage (catalog_id, installs, tool_calls, last_used_at) VALUES (@catalog_id, @installs, @tool_calls, @last_used_at)
     ON CONFLICT (catalog_id) DO UPDATE SET installs = excluded.installs, tool_calls = excluded.tool_calls, last_used_at = excluded.last_used_at`,
  );
  const list = db.prepare("SELECT catalog_id, installs, tool_calls, last_used_at FROM discovery_usage ORDER BY catalog_id");
  return {
    async save(record) {
      upsert.run(record);
    },
    async list() {
      return list.all() as DiscoveryUsageRecord[];
    },
  };
}
