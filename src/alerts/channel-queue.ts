/**
 * A bounded queue in front of each channel. The evaluator only ever pushes here and returns, so a
 * receiver that is slow or down (a webhook retrying for minutes) delays nothing but its own
 * queue; when the queue is full the oldest notification is dropped and the drop is logged.
 * For a durable channel (webhook, email), what it fails to deliver, what waits behind notifications
 * already in the outbox and what is still queued at shutdown goes to the outbox instead.
 */
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AlertChannel } from "./channel.js";
import type { AlertNotification } from "./notification.js";
import type { NotificationOutbox } from "./outbox.js";

export const DEFAULT_QUEUE_CAPACITY = 100;

export interface ChannelQueueOptions {
  logger: Logger;
  outbox: NotificationOutbox;
  /** Whether undelivered notifications are kept in the outbox. */
  durable: boolean;
  capacity?: number;
  /** A notification reached someone through the channel. */
  onDelivered(notification: AlertNotification): void;
}

export class ChannelQueue {
  private readonly items: AlertNotification[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  private delivered = 0;
  private failed = 0;
  private dropped = 0;
  private readonly logger: Logger;
  private readonly outbox: NotificationOutbox;
  private readonly capacity: number;

  constructor(
    readonly channel: AlertChannel,
    private readonly options: ChannelQueueOptions,
  ) {
    this.logger = options.logger;
    this.outbox = options.outbox;
    this.capacity = options.capacity ?? DEFAULT_QUEUE_CAPACITY;
  }

  push(notification: AlertNotification): void {
    if (this.closed) return;
    if (this.items.length >= this.capacity) {
      const oldest = this.items.shift();
      this.dropped++;
      this.logger.warn(
        { channel: this.channel.id, dropped_notification: oldest?.id, capacity: this.capacity },
        "alert channel queue is full; dropped its oldest notification",
      );
    }
    this.items.push(notification);
    this.running ??= this.drain();
  }

  /** Resolves once everything queued so far has been handed to the channel (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stats(): { queued: number; delivered: number; failed: number; dropped: number } {
    return { queued: this.items.length, delivered: this.delivered, failed: this.failed, dropped: this.dropped };
  }

  /**
   * Stops taking notifications, lets the channel abandon work in flight (retry waits, open
   * requests) and waits for the worker to stop. What is still queued goes to the outbox for a
   * durable channel; otherwise it is dropped and counted.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.options.durable) {
      const abandoned = this.items.length;
      this.items.length = 0;
      if (abandoned > 0) this.logger.warn({ channel: this.channel.id, abandoned }, "alert notifications not sent at shutdown");
    }
    await this.channel.close?.();
    await this.idle();
  }

  private async drain(): Promise<void> {
    // Runs after the pushing code has returned: a synchronous channel must not run inside the
    // evaluator's call stack either.
    await Promise.resolve();
    try {
      for (let next = this.items.shift(); next; next = this.items.shift()) {
        try {
          await this.deliver(next);
        } catch (error) {
          this.logger.error({ channel: this.channel.id, notification: next.id, err: errorMessage(error) }, "recording an alert delivery failed");
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async deliver(notification: AlertNotification): Promise<void> {
    const { id } = this.channel;
    // Behind notifications already waiting, or at shutdown: kept untried, so order holds.
    if (this.options.durable && (this.closed || this.outbox.hasBacklog(id))) {
      await this.outbox.keep(id, notification, null);
      return;
    }
    const reaches = this.channel.hasReceivers?.() ?? true;
    try {
      await this.channel.send(notification);
    } catch (error) {
      if (this.options.durable && this.closed) {
        await this.outbox.keep(id, notification, null);
        return;
      }
      this.failed++;
      const message = errorMessage(error);
      this.logger.warn(
        { channel: id, notification: notification.id, alerts: notification.alerts.length, err: message, kept: this.options.durable },
        this.options.durable ? "alert notification could not be delivered; kept in the outbox" : "alert notification could not be delivered",
      );
      await (this.options.durable ? this.outbox.keep(id, notification, message) : this.outbox.failed(id, message));
      return;
    }
    this.delivered++;
    await this.outbox.succeeded(id);
    if (reaches) this.options.onDelivered(notification);
  }
}
