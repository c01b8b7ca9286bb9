/** The gateway's approved tool definitions, one per (server, tool). */
import type { SqliteDatabase } from "./database.js";

export interface ToolApprovalRecord {
  server_id: string;
  tool: string;
  /** sha256 of the definition's canonical JSON. */
  hash: string;
  /** The approved definition, as JSON. */
  definition: string;
  approved_at: number;
  /** The approving token's name, `local` without auth, or `auto` for a new server's tools. */
  approved_by: string;
}

export interface ToolApprovalsRepository {
  list(): Promise<ToolApprovalRecord[]>;
  /** Records approvals, each replacing the one of its (server, tool), in one transaction. */
  save(records: ToolApprovalRecord[]): Promise<void>;
  /** Forgets a server's approvals: a server registered later under its id is a new one. */
  removeServer(serverId: string): Promise<void>;
}

export function sqliteToolApprovalsRepository(db: SqliteDatabase): ToolApprovalsRepository {
  const list = db.prepare("SELECT server_id, tool, hash, definition, approved_at, approved_by FROM gateway_tool_approvals ORDER BY server_id, tool");
  const upsert = db.prepare(
    `INSERT INTO gateway_tool_approvals (server_id, tool, hash, definition, approved_at, approved_by)
     VALUES (@server_id, @tool, @hash, @definition, @approved_at, @approved_by)
     ON CONFLICT (server_id, tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition,
       approved_at = excluded.approved_at, approved_by = excluded.approved_by`,
  );
  const saveAll = db.transaction((records: ToolApprovalRecord[]) => {
    for (const record of records) upsert.run(record);
  });
  const removeServer = db.prepare("DELETE FROM gateway_tool_approvals WHERE server_id = ?");
  return {
    async list() {
      return list.all() as ToolApprovalRecord[];
    },
    async save(records) {
      saveAll(records);
    },
    async removeServer(serverId) {
      removeServer.run(serverId);
    },
  };
}
