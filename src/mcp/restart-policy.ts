/**
 * When to restart a server that stopped by itself: exponential backoff from
 * restart_backoff_initial doubling to restart_backoff_max, each delay jittered down by up to half
 * so that servers that failed together do not come back together, reset after a stable run. A
 * stdio server has a restart-intensity limit (more than restart_max_failures failed starts inside
 * restart_window leaves it in crash_loop); a remote endpoint has none: it is a peer that may be
 * down for a while, so it is tried again at the capped delay for as long as it is wanted.
 */
import type { ServerConfig } from "../config/schema.js";

export type RestartDecision =
  | { action: "restart"; delayMs: number }
  | { action: "give_up"; reason: string };

export class RestartPolicy {
  private failures: number[] = [];
  private nextDelayMs: number;

  /** `random` returns values in [0, 1), as Math.random does; tests pass their own. */
  constructor(
    private config: ServerConfig,
    private readonly random: () => number = Math.random,
  ) {
    this.nextDelayMs = config.restart_backoff_initial * 1000;
  }

  /** The server ran for runMs before it stopped; a stable run wipes the slate. */
  recordRun(runMs: number): void {
    if (runMs >= this.config.restart_stable_after * 1000) this.reset();
  }

  /** Decides what to do after a failure at time `at`. */
  onFailure(at: number): RestartDecision {
    if (this.config.transport === "stdio") {
      const windowMs = this.config.restart_window * 1000;
      this.failures = this.failures.filter((time) => at - time < windowMs);
      this.failures.push(at);
      if (this.failures.length > this.config.restart_max_failures) {
        return {
          action: "give_up",
          reason: `${this.failures.length} failures within ${this.config.restart_window} s (limit ${this.config.restart_max_failures}); not restarting`,
        };
      }
    }
    const delayMs = Math.round(this.nextDelayMs * (1 - this.random() / 2));
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.config.restart_backoff_max * 1000);
    return { action: "restart", delayMs };
  }

  reset(): void {
    this.failures = [];
    this.nextDelayMs = this.config.restart_backoff_initial * 1000;
  }
}
