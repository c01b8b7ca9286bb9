/** What each install from the discovery catalog put on disk, so uninstall removes exactly that. */
import type { SqliteDatabase } from "./database.js";

export interface InstallRecord {
  server_id: string;
  /** The catalog entry installed (the same as server_id unless installed under another id). */
  catalog_id: string;
  /** npm, pypi, oci or remote. */
  kind: string;
  /** The package identifier, or null for a remote. */
  package: string | null;
  version: string | null;
  /** The folder the install created (data/servers/<id>), or null when it created none. */
  install_dir: string | null;
  installed_at: number;
}

export interface InstallsRepository {
  save(record: InstallRecord): Promise<void>;
  get(serverId: string): Promise<InstallRecord | undefined>;
  list(): Promise<InstallRecord[]>;
  remove(serverId: string): Promise<boolean>;
}

export function sqliteInstallsRepository(db: SqliteDatabase): InstallsRepository {
  const columns = "server_id, catalog_id, kind, package, version, install_dir, installed_at";
  const upsert = db.prepare(
    `INSERT INTO installs (${columns}) VALUES (@server_id, @catalog_id, @kind, @package, @version, @install_dir, @installed_at)
     ON CONFLICT (server_id) DO UPDATE SET catalog_id = excluded.catalog_id, kind = excluded.kind,
       package = excluded.package, version = excluded.version, install_dir = excluded.install_dir,
       installed_at = excluded.installed_at`,
  );
  const get = db.prepare(`SELECT ${columns} FROM installs WHERE server_id = ?`);
  const list = db.prepare(`SELECT ${columns} FROM installs ORDER BY server_id`);
  const remove = db.prepare("DELETE FROM installs WHERE server_id = ?");
  return {
    async save(record) {
      upsert.run(record);
    },
    async get(serverId) {
      return get.get(serverId) as InstallRecord | undefined;
    },
    async list() {
      return list.all() as InstallRecord[];
    },
    async remove(serverId) {
      return remove.run(serverId).changes > 0;
    },
  };
}
