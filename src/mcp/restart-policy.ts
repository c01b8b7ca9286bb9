/**
 * When to restart a server that stopped by itself: exponential backoff from
 * restart_backoff_initial doubling to restart_backoff_max, reset after a stable run, and a
 * restart-intensity limit (more than restart_max_failures failed starts inside restart_window
 * leaves the server in crash_loop).
 */
import type { ServerConfig } from "../config/schema.js";

export type RestartDecision =
  | { action: "restart"; delayMs: number }
  | { action: "give_up"; reason: string };

export class RestartPolicy {
  private failures: number[] = [];
  private nextDelayMs: number;

  constructor(private config: ServerConfig) {
    this.nextDelayMs = config.restart_backoff_initial * 1000;
  }

  /** The server ran for runMs before it stopped; a stable run wipes the slate. */
  recordRun(runMs: number): void {
    if (runMs >= this.config.restart_stable_after * 1000) this.reset();
  }

  /** Decides what to do after a failure at time `at`. */
  onFailure(at: number): RestartDecision {
    const windowMs = this.config.restart_window * 1000;
    this.failures = this.failures.filter((time) => at - time < windowMs);
    this.failures.push(at);
    if (this.failures.length > this.config.restart_max_failures) {
      return {
        action: "give_up",
        reason: `${this.failures.length} failures within ${this.config.restart_window} s (limit ${this.config.restart_max_failures}); not restarting`,
      };
    }
    const delayMs = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.config.restart_backoff_max * 1000);
    return { action: "restart", delayMs };
  }

  reset(): void {
    this.failures = [];
    this.nextDelayMs = this.config.restart_backoff_initial * 1000;
  }
}
