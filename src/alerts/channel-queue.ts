/**
 * A bounded queue in front of each channel. The evaluator only ever pushes here and returns, so a
 * receiver that is slow or down (a webhook retrying for minutes) delays nothing but its own
 * queue; when the queue is full the oldest notification is dropped and the drop is logged.
 */
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AlertChannel } from "./channel.js";
import type { AlertNotification } from "./notification.js";

export const DEFAULT_QUEUE_CAPACITY = 100;

export class ChannelQueue {
  private readonly items: AlertNotification[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  private delivered = 0;
  private failed = 0;
  private dropped = 0;

  constructor(
    readonly channel: AlertChannel,
    private readonly logger: Logger,
    private readonly capacity = DEFAULT_QUEUE_CAPACITY,
  ) {}

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
   * requests) and waits for the worker to stop. What is still queued is dropped and counted.
   */
  async close(): Promise<void> {
    this.closed = true;
    const abandoned = this.items.length;
    this.items.length = 0;
    if (abandoned > 0) this.logger.warn({ channel: this.channel.id, abandoned }, "alert notifications not sent at shutdown");
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
          await this.channel.send(next);
          this.delivered++;
        } catch (error) {
          this.failed++;
          this.logger.warn(
            { channel: this.channel.id, notification: next.id, alerts: next.alerts.length, err: errorMessage(error) },
            "alert notification could not be delivered",
          );
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
