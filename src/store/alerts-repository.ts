/**
 * Alerts (one row per firing episode of a rule on a server, kept after it resolves as history)
 * and the alert rules created through the API. Config-file and built-in rules are not stored.
 */
import type { SqliteDatabase } from "./database.js";

export type AlertRecordState = "firing" | "resolved";
export type AlertRecordSeverity = "info" | "warning" | "critical";

export interface AlertRecord {
  id: string;
  rule_id: string;
  server_id: string;
  state: AlertRecordState;
  severity: AlertRecordSeverity;
  summary: string;
  started_at: number;
  resolved_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
  last_notified_at: number | null;
  labels: Record<string, string>;
}

export interface AlertQuery {
  /** Firing only, resolved only, or both (the default). */
  state?: AlertRecordState | undefined;
  server_id?: string | undefined;
  limit: number;
}

export interface AlertsRepository {
  insert(record: AlertRecord): Promise<void>;
  get(id: string): Promise<AlertRecord | undefined>;
  /** Newest first. */
  list(query: AlertQuery): Promise<AlertRecord[]>;
  resolve(id: string, at: number, labels: Record<string, string>): Promise<void>;
  /** Sets acked_at/acked_by unless already acknowledged; returns the row either way. */
  ack(id: string, at: number, by: string): Promise<AlertRecord | undefined>;
  markNotified(ids: string[], at: number): Promise<void>;
  updateLabels(id: string, labels: Record<string, string>): Promise<void>;
  /** Deletes resolved alerts that resolved before `at`; returns how many. */
  pruneResolvedBefore(at: number): Promise<number>;
}

export interface StoredAlertRule {
  id: string;
  /** The rule as the API accepted it (validated by the caller). */
  rule: unknown;
  created_at: number;
  updated_at: number;
}

export interface AlertRulesRepository {
  list(): Promise<StoredAlertRule[]>;
  get(id: string): Promise<StoredAlertRule | undefined>;
  /** Inserts or replaces the rule. */
  save(id: string, rule: unknown, at: number): Promise<StoredAlertRule>;
  remove(id: string): Promise<boolean>;
}

interface AlertRow extends Omit<AlertRecord, "labels"> {
  labels: string;
}

const COLUMNS =
  "id, rule_id, server_id, state, severity, summary, started_at, resolved_at, acked_at, acked_by, last_notified_at, labels";

const toAlert = (row: AlertRow): AlertRecord => ({ ...row, labels: JSON.parse(row.labels) as Record<string, string> });

export function sqliteAlertsRepository(db: SqliteDatabase): AlertsRepository {
  const insert = db.prepare(
    `INSERT INTO alerts (${COLUMNS}) VALUES (@id, @rule_id, @server_id, @state, @severity, @summary, @started_at,
       @resolved_at, @acked_at, @acked_by, @last_notified_at, @labels)`,
  );
  const get = db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE id = ?`);
  // Four statements rather than SQL built per call: each filter combination keeps its own plan.
  const order = "ORDER BY started_at DESC, id DESC LIMIT @limit";
  const listAll = db.prepare(`SELECT ${COLUMNS} FROM alerts ${order}`);
  const listByState = db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE state = @state ${order}`);
  const listByServer = db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE server_id = @server_id ${order}`);
  const listByBoth = db.prepare(`SELECT ${COLUMNS} FROM alerts WHERE state = @state AND server_id = @server_id ${order}`);
  const resolve = db.prepare("UPDATE alerts SET state = 'resolved', resolved_at = @at, labels = @labels WHERE id = @id AND state = 'firing'");
  const ack = db.prepare("UPDATE alerts SET acked_at = @at, acked_by = @by WHERE id = @id AND acked_at IS NULL");
  const notified = db.prepare("UPDATE alerts SET last_notified_at = ? WHERE id = ?");
  const labels = db.prepare("UPDATE alerts SET labels = ? WHERE id = ?");
  const prune = db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?");
  const markMany = db.transaction((ids: string[], at: number) => {
    for (const id of ids) notified.run(at, id);
  });
  return {
    async insert(record) {
      insert.run({ ...record, labels: JSON.stringify(record.labels) });
    },
    async get(id) {
      const row = get.get(id) as AlertRow | undefined;
      return row && toAlert(row);
    },
    async list({ state, server_id, limit }) {
      const statement =
        state && server_id ? listByBoth : state ? listByState : server_id ? listByServer : listAll;
      return (statement.all({ state, server_id, limit }) as AlertRow[]).map(toAlert);
    },
    async resolve(id, at, newLabels) {
      resolve.run({ id, at, labels: JSON.stringify(newLabels) });
    },
    async ack(id, at, by) {
      ack.run({ id, at, by });
      const row = get.get(id) as AlertRow | undefined;
      return row && toAlert(row);
    },
    async markNotified(ids, at) {
      markMany(ids, at);
    },
    async updateLabels(id, newLabels) {
      labels.run(JSON.stringify(newLabels), id);
    },
    async pruneResolvedBefore(at) {
      return prune.run(at).changes;
    },
  };
}

interface RuleRow {
  id: string;
  rule: string;
  created_at: number;
  updated_at: number;
}

const toRule = (row: RuleRow): StoredAlertRule => ({ ...row, rule: JSON.parse(row.rule) as unknown });

export function sqliteAlertRulesRepository(db: SqliteDatabase): AlertRulesRepository {
  const list = db.prepare("SELECT id, rule, created_at, updated_at FROM alert_rules ORDER BY id");
  const get = db.prepare("SELECT id, rule, created_at, updated_at FROM alert_rules WHERE id = ?");
  const upsert = db.prepare(
    `INSERT INTO alert_rules (id, rule, created_at, updated_at) VALUES (@id, @rule, @at, @at)
     ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare("DELETE FROM alert_rules WHERE id = ?");
  return {
    async list() {
      return (list.all() as RuleRow[]).map(toRule);
    },
    async get(id) {
      const row = get.get(id) as RuleRow | undefined;
      return row && toRule(row);
    },
    async save(id, rule, at) {
      upsert.run({ id, rule: JSON.stringify(rule), at });
      return toRule(get.get(id) as RuleRow);
    },
    async remove(id) {
      return remove.run(id).changes > 0;
    },
  };
}
