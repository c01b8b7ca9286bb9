/** Saved dashboard layouts: a name and its panels (the health domain's shape; the store does not look inside). */
import type { SqliteDatabase } from "./database.js";

export interface DashboardLayoutRecord {
  id: string;
  name: string;
  panels: unknown;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface DashboardLayoutsRepository {
  list(): Promise<DashboardLayoutRecord[]>;
  get(id: string): Promise<DashboardLayoutRecord | undefined>;
  /** False when the id is taken. */
  insert(record: DashboardLayoutRecord): Promise<boolean>;
  /** False when there is no such layout. */
  update(id: string, change: Pick<DashboardLayoutRecord, "name" | "panels" | "updated_at">): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}

type Row = Omit<DashboardLayoutRecord, "panels"> & { panels: string };

const toRecord = (row: Row): DashboardLayoutRecord => ({ ...row, panels: JSON.parse(row.panels) as unknown });

export function sqliteDashboardLayoutsRepository(db: SqliteDatabase): DashboardLayoutsRepository {
  const listStmt = db.prepare("SELECT * FROM dashboard_layouts ORDER BY name, id");
  const getStmt = db.prepare("SELECT * FROM dashboard_layouts WHERE id = ?");
  const insertStmt = db.prepare(
    `INSERT INTO dashboard_layouts (id, name, panels, created_by, created_at, updated_at)
     VALUES (@id, @name, @panels, @created_by, @created_at, @updated_at) ON CONFLICT (id) DO NOTHING`,
  );
  const updateStmt = db.prepare("UPDATE dashboard_layouts SET name = @name, panels = @panels, updated_at = @updated_at WHERE id = @id");
  const removeStmt = db.prepare("DELETE FROM dashboard_layouts WHERE id = ?");
  return {
    async list() {
      return (listStmt.all() as Row[]).map(toRecord);
    },
    async get(id) {
      const row = getStmt.get(id) as Row | undefined;
      return row && toRecord(row);
    },
    async insert(record) {
      return insertStmt.run({ ...record, panels: JSON.stringify(record.panels) }).changes > 0;
    },
    async update(id, change) {
      return updateStmt.run({ ...change, id, panels: JSON.stringify(change.panels) }).changes > 0;
    },
    async remove(id) {
      return removeStmt.run(id).changes > 0;
    },
  };
}
