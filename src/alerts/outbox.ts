/**
 * The notification outbox: what a webhook or email channel could not deliver after its own
 * retries is kept in the store, one row per (notification, channel), and sent again by a
 * background loop on the injected clock once the channel answers, oldest first, with backoff
 * between failed attempts and a few channels at a time. While a channel has notifications
 * waiting, new ones queue behind them, so a receiver that comes back gets them in order. Rows
 * outlive the daemon; beyond `max_pending` per channel the oldest are dropped, and rows older
 * than `max_age` expire. Also keeps each channel's delivery counters and last outcome.
 */
import type { AlertsConfig } from "../config/alerts-schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AlertOutboxRepository, ChannelStatsRecord } from "../store/alert-outbox-repository.js";
import type { AlertChannel } from "./channel.js";
import type { AlertNotification } from "./notification.js";
import { backoffDelay } from "./retry.js";

export interface OutboxSettings {
  maxPending: number;
  maxAgeMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export function outboxSettings(config: AlertsConfig["outbox"]): OutboxSettings {
  return {
    maxPending: config.max_pending,
    maxAgeMs: config.max_age * 1000,
    initialDelayMs: config.retry_initial_delay * 1000,
    maxDelayMs: config.retry_max_delay * 1000,
  };
}

/** Channels redelivering at once. */
const REDELIVERY_CONCURRENCY = 4;

/**
 * An error as a channel reports it, made safe to store and show: a URL in it keeps only its
 * scheme and host, since credentials, tokens in the query and secret paths (chat webhooks) are
 * all carried in URLs.
 */
export function redactError(message: string): string {
  return message.replace(/\b([a-z][a-z0-9+.-]*):\/\/[^\s"'<>]+/gi, (url, scheme: string) => {
    try {
      return `${scheme}://${new URL(url).host}/[redacted]`;
    } catch {
      return `${scheme}://[redacted]`;
    }
  });
}

export interface NotificationOutboxOptions {
  repository: AlertOutboxRepository;
  clock: Clock;
  logger: Logger;
  settings: OutboxSettings;
  /** A kept notification reached its channel at `at`. */
  onRedelivered(channelId: string, notification: AlertNotification, at: number): void;
}

export class NotificationOutbox {
  private readonly repository: AlertOutboxRepository;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private settings: OutboxSettings;
  /** The channels that redeliver, by id. */
  private readonly channels = new Map<string, AlertChannel>();
  private readonly pending = new Map<string, number>();
  private readonly draining = new Map<string, Promise<void>>();
  private timer: { handle: TimerHandle; due: number } | undefined;
  private stopping = false;

  constructor(private readonly options: NotificationOutboxOptions) {
    this.repository = options.repository;
    this.clock = options.clock;
    this.logger = options.logger;
    this.settings = options.settings;
  }

  /** Reads what the last run left pending and starts sending it. */
  async start(): Promise<void> {
    for (const [channelId, count] of await this.repository.pendingByChannel()) this.pending.set(channelId, count);
    const waiting = [...this.pending.values()].reduce((sum, count) => sum + count, 0);
    if (waiting > 0) this.logger.info({ pending: waiting }, "alert notifications left undelivered by the last run are waiting in the outbox");
    this.run();
  }

  configure(settings: OutboxSettings): void {
    this.settings = settings;
  }

  /** Lets the outbox send through `channel` (the one currently configured under its id). */
  attach(channel: AlertChannel): void {
    this.channels.set(channel.id, channel);
    if (this.hasBacklog(channel.id)) this.schedule(0);
  }

  detach(channel: AlertChannel): void {
    if (this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
  }

  /** Whether notifications for the channel are waiting; new ones go behind them. */
  hasBacklog(channelId: string): boolean {
    return (this.pending.get(channelId) ?? 0) > 0;
  }

  /**
   * Keeps a notification the channel did not deliver. `error` is the failure that made it
   * give up, or null when it was never tried (queued behind others, or at shutdown).
   */
  async keep(channelId: string, notification: AlertNotification, error: string | null): Promise<void> {
    const now = this.clock.now();
    const safeError = error === null ? null : redactError(error);
    await this.repository.add({
      channel_id: channelId,
      notification_id: notification.id,
      alert_ids: notification.alerts.map((alert) => alert.alert_id),
      payload: notification,
      attempts: safeError === null ? 0 : 1,
      last_error: safeError,
      next_attempt_at: safeError === null ? now : now + this.settings.initialDelayMs,
      created_at: now,
    });
    if (safeError !== null) await this.repository.recordFailure(channelId, now, safeError);
    this.pending.set(channelId, (this.pending.get(channelId) ?? 0) + 1);
    const dropped = await this.repository.dropBeyond(channelId, this.settings.maxPending, now);
    if (dropped > 0) {
      this.pending.set(channelId, (this.pending.get(channelId) ?? 0) - dropped);
      this.logger.warn({ channel: channelId, dropped, max_pending: this.settings.maxPending }, "alert outbox is full; dropped its oldest notifications");
    }
    this.schedule(safeError === null ? 0 : this.settings.initialDelayMs);
  }

  /** Counts a delivery made without the outbox. */
  async succeeded(channelId: string): Promise<void> {
    await this.repository.recordSuccess(channelId, this.clock.now());
  }

  /** Records a failure of a channel that keeps nothing (websocket, callbacks). */
  async failed(channelId: string, error: string): Promise<void> {
    await this.repository.recordFailure(channelId, this.clock.now(), redactError(error));
  }

  /** Counters, last outcome and pending count of each channel named. */
  stats(channelIds: readonly string[]): Promise<ChannelStatsRecord[]> {
    return this.repository.stats(channelIds);
  }

  /** Marks pending rows older than max_age expired; returns how many. */
  async expire(): Promise<number> {
    const now = this.clock.now();
    const expired = await this.repository.expireBefore(now - this.settings.maxAgeMs, now);
    let total = 0;
    for (const [channelId, count] of expired) {
      total += count;
      this.pending.set(channelId, (this.pending.get(channelId) ?? 0) - count);
      this.logger.warn({ channel: channelId, expired: count }, "alert notifications expired in the outbox unsent");
    }
    return total;
  }

  /**
   * Stops redelivering: no new attempts start. Resolves once the attempts in flight are over
   * (closing the channels ends them); what is pending stays for the next run.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clock.clearTimeout(this.timer?.handle);
    this.timer = undefined;
    await Promise.all(this.draining.values());
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    const due = this.clock.now() + delayMs;
    if (this.timer && this.timer.due <= due) return;
    this.clock.clearTimeout(this.timer?.handle);
    this.timer = {
      due,
      handle: this.clock.setTimeout(() => {
        this.timer = undefined;
        this.run();
      }, delayMs),
    };
  }

  private run(): void {
    if (this.stopping) return;
    void this.expire()
      .then(() => this.drainAll())
      .catch((error: unknown) => this.logger.error({ err: errorMessage(error) }, "alert outbox redelivery failed"));
  }

  private async drainAll(): Promise<void> {
    const due = [...this.channels.keys()].filter((channelId) => this.hasBacklog(channelId) && !this.draining.has(channelId));
    const workers = Array.from({ length: Math.min(REDELIVERY_CONCURRENCY, due.length) }, async () => {
      for (let channelId = due.shift(); channelId !== undefined; channelId = due.shift()) {
        const drain = this.drain(channelId).finally(() => this.draining.delete(channelId));
        this.draining.set(channelId, drain);
        await drain;
      }
    });
    await Promise.all(workers);
  }

  /** Sends the channel's pending rows oldest first, until one fails or is not yet due. */
  private async drain(channelId: string): Promise<void> {
    while (!this.stopping) {
      const channel = this.channels.get(channelId);
      const head = channel && (await this.repository.head(channelId));
      if (!channel || !head) return;
      const now = this.clock.now();
      if (head.created_at < now - this.settings.maxAgeMs) {
        if ((await this.expire()) > 0) continue;
        return;
      }
      if (head.next_attempt_at > now) {
        this.schedule(head.next_attempt_at - now);
        return;
      }
      const notification = head.payload as AlertNotification;
      try {
        await channel.send(notification);
      } catch (error) {
        // Shutdown or a reload closed the channel: not the receiver's doing, and the row waits as it is.
        if (this.stopping || this.channels.get(channelId) !== channel) return;
        const failedAt = this.clock.now();
        const message = redactError(errorMessage(error));
        const nextAttemptAt = failedAt + backoffDelay(head.attempts + 1, this.settings.initialDelayMs, this.settings.maxDelayMs);
        await this.repository.failed(head.id, message, nextAttemptAt);
        await this.repository.recordFailure(channelId, failedAt, message);
        this.logger.warn({ channel: channelId, notification: notification.id, attempts: head.attempts + 1, err: message }, "alert outbox redelivery failed; will retry");
        this.schedule(nextAttemptAt - failedAt);
        return;
      }
      const deliveredAt = this.clock.now();
      if (await this.repository.delivered(head.id, deliveredAt)) {
        this.pending.set(channelId, (this.pending.get(channelId) ?? 0) - 1);
        this.options.onRedelivered(channelId, notification, deliveredAt);
      }
    }
  }
}
