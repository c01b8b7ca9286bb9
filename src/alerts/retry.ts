/**
 * Retries with exponential backoff for channels that talk to the network. Waits run on the
 * injected clock and end early when the signal aborts, so a closing channel never sits out a
 * backoff.
 */
import type { Clock } from "../core/clock.js";

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  clock: Clock;
  signal: AbortSignal;
  /** Whether an error is worth another attempt (a 400 is not; a 503 or a refused connection is). */
  retryable(error: unknown): boolean;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
}

export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.retries || options.signal.aborted || !options.retryable(error)) throw error;
      const delayMs = backoffDelay(attempt + 1, options.initialDelayMs, options.maxDelayMs);
      options.onRetry?.(error, attempt + 1, delayMs);
      await wait(options.clock, delayMs, options.signal);
    }
  }
}

/** Resolves after ms on the clock; rejects with the signal's reason when it aborts first. */
export function wait(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
