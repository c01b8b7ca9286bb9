/**
 * The alert notification outbox (notifications a channel could not deliver, kept until it
 * recovers) and each channel's delivery counters and last outcome. Pending rows are taken oldest
 * first per channel; finished rows (delivered, expired, dropped) are pruned by age in chunks.
 */
import { chunkedPruner } from "./chunked-delete.js";
import type { SqliteDatabase } from "./database.js";

export type OutboxState = "pending" | "delivered" | "expired" | "dropped";

export interface OutboxRecord {
  id: number;
  channel_id: string;
  notification_id: string;
  alert_ids: string[];
  /** The notification as the channel is handed it (JSON); channel secrets are config, never here. */
  payload: unknown;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  created_at: number;
  finished_at: number | null;
}

export interface NewOutboxRecord {
  channel_id: string;
  notification_id: string;
  alert_ids: string[];
  payload: unknown;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  created_at: number;
}

export interface ChannelStatsRecord {
  channel_id: string;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_error: string | null;
  delivered: number;
  expired: number;
  dropped: number;
  /** Rows pending in the outbox now. */
  pending: number;
}

export interface AlertOutboxRepository {
  /** Adds a pending row; a (notification, channel) already kept is left as it is. */
  add(record: NewOutboxRecord): Promise<void>;
  /** The oldest pending row of a channel. */
  head(channelId: string): Promise<OutboxRecord | undefined>;
  /** How many rows are pending, per channel. */
  pendingByChannel(): Promise<Map<string, number>>;
  /** Marks a pending row delivered and counts it for its channel; false when it was no longer pending. */
  delivered(id: number, at: number): Promise<boolean>;
  /** A failed attempt at a pending row: its attempts, error and next attempt time. */
  failed(id: number, error: string, nextAttemptAt: number): Promise<void>;
  /** Marks all but the newest `keep` pending rows of a channel dropped; returns how many. */
  dropBeyond(channelId: string, keep: number, at: number): Promise<number>;
  /** Marks pending rows created before `before` expired; returns how many, per channel. */
  expireBefore(before: number, at: number): Promise<Map<string, number>>;
  /** Counts a delivery that went out without the outbox. */
  recordSuccess(channelId: string, at: number): Promise<void>;
  recordFailure(channelId: string, at: number, error: string): Promise<void>;
  /** Counters and last outcome of the channels named, with their pending counts. */
  stats(channelIds: readonly string[]): Promise<ChannelStatsRecord[]>;
  /** Deletes finished rows that finished before `before`, in chunks; returns how many. */
  pruneFinishedBefore(before: number): Promise<number>;
}

interface OutboxRow extends Omit<OutboxRecord, "alert_ids" | "payload"> {
  alert_ids: string;
  payload: string;
}

const COLUMNS = "id, channel_id, notification_id, alert_ids, payload, state, attempts, last_error, next_attempt_at, created_at, finished_at";

const toRecord = (row: OutboxRow): OutboxRecord => ({
  ...row,
  alert_ids: JSON.parse(row.alert_ids) as string[],
  payload: JSON.parse(row.payload) as unknown,
});

export function sqliteAlertOutboxRepository(db: SqliteDatabase): AlertOutboxRepository {
  const insert = db.prepare(
    `INSERT INTO alert_outbox (channel_id, notification_id, alert_ids, payload, state, attempts, last_error, next_attempt_at, created_at)
     VALUES (@channel_id, @notification_id, @alert_ids, @payload, 'pending', @attempts, @last_error, @next_attempt_at, @created_at)
     ON CONFLICT (notification_id, channel_id) DO NOTHING`,
  );
  const head = db.prepare(`SELECT ${COLUMNS} FROM alert_outbox WHERE state = 'pending' AND channel_id = ? ORDER BY id LIMIT 1`);
  const pending = db.prepare("SELECT channel_id, COUNT(*) AS n FROM alert_outbox WHERE state = 'pending' GROUP BY channel_id");
  const finish = db.prepare("UPDATE alert_outbox SET state = @state, finished_at = @at WHERE id = @id AND state = 'pending' RETURNING channel_id");
  const fail = db.prepare(
    "UPDATE alert_outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id AND state = 'pending'",
  );
  const dropOldest = db.prepare(
    `UPDATE alert_outbox SET state = 'dropped', finished_at = @at WHERE id IN (
       SELECT id FROM alert_outbox WHERE state = 'pending' AND channel_id = @channel ORDER BY id DESC LIMIT -1 OFFSET @keep)`,
  );
  const expire = db.prepare(
    "UPDATE alert_outbox SET state = 'expired', finished_at = @at WHERE state = 'pending' AND created_at < @before RETURNING channel_id",
  );
  const ensureStats = db.prepare("INSERT INTO alert_channel_stats (channel_id) VALUES (?) ON CONFLICT (channel_id) DO NOTHING");
  const success = db.prepare("UPDATE alert_channel_stats SET delivered = delivered + 1, last_success_at = @at WHERE channel_id = @channel");
  const failure = db.prepare("UPDATE alert_channel_stats SET last_failure_at = @at, last_error = @error WHERE channel_id = @channel");
  const countExpired = db.prepare("UPDATE alert_channel_stats SET expired = expired + @n WHERE channel_id = @channel");
  const countDropped = db.prepare("UPDATE alert_channel_stats SET dropped = dropped + @n WHERE channel_id = @channel");
  const stats = db.prepare(
    `SELECT channel_id, last_success_at, last_failure_at, last_error, delivered, expired, dropped,
       (SELECT COUNT(*) FROM alert_outbox o WHERE o.state = 'pending' AND o.channel_id = s.channel_id) AS pending
     FROM alert_channel_stats s WHERE channel_id = ?`,
  );
  const prune = chunkedPruner(db, "alert_outbox", "finished_at");

  const deliveredTx = db.transaction((id: number, at: number) => {
    const row = finish.get({ id, at, state: "delivered" }) as { channel_id: string } | undefined;
    if (!row) return false;
    ensureStats.run(row.channel_id);
    success.run({ channel: row.channel_id, at });
    return true;
  });
  const dropTx = db.transaction((channel: string, keep: number, at: number) => {
    const { changes } = dropOldest.run({ channel, keep, at });
    if (changes > 0) {
      ensureStats.run(channel);
      countDropped.run({ channel, n: changes });
    }
    return changes;
  });
  const expireTx = db.transaction((before: number, at: number) => {
    const counts = new Map<string, number>();
    for (const { channel_id } of expire.all({ before, at }) as { channel_id: string }[]) counts.set(channel_id, (counts.get(channel_id) ?? 0) + 1);
    for (const [channel, n] of counts) {
      ensureStats.run(channel);
      countExpired.run({ channel, n });
    }
    return counts;
  });

  return {
    async add(record) {
      ensureStats.run(record.channel_id);
      insert.run({ ...record, alert_ids: JSON.stringify(record.alert_ids), payload: JSON.stringify(record.payload) });
    },
    async head(channelId) {
      const row = head.get(channelId) as OutboxRow | undefined;
      return row && toRecord(row);
    },
    async pendingByChannel() {
      return new Map((pending.all() as { channel_id: string; n: number }[]).map((row) => [row.channel_id, row.n]));
    },
    async delivered(id, at) {
      return deliveredTx(id, at);
    },
    async failed(id, error, nextAttemptAt) {
      fail.run({ id, error, next: nextAttemptAt });
    },
    async dropBeyond(channelId, keep, at) {
      return dropTx(channelId, keep, at);
    },
    async expireBefore(before, at) {
      return expireTx(before, at);
    },
    async recordSuccess(channelId, at) {
      ensureStats.run(channelId);
      success.run({ channel: channelId, at });
    },
    async recordFailure(channelId, at, error) {
      ensureStats.run(channelId);
      failure.run({ channel: channelId, at, error });
    },
    async stats(channelIds) {
      return channelIds.map(
        (channelId) =>
          (stats.get(channelId) as ChannelStatsRecord | undefined) ?? {
            channel_id: channelId,
            last_success_at: null,
            last_failure_at: null,
            last_error: null,
            delivered: 0,
            expired: 0,
            dropped: 0,
            pending: 0,
          },
      );
    },
    async pruneFinishedBefore(before) {
      return prune(before);
    },
  };
}
