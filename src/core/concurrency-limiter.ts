/**
 * Runs at most N tasks at once; the rest wait in order. Health checks go through one limiter so
 * hundreds of servers falling due together never means hundreds of probes in flight; stdio
 * server starts go through another, so hundreds of servers launched together do not all share
 * the CPU and time out together.
 */

interface Waiting {
  start: () => void;
}

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Waiting[] = [];

  constructor(private max: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  setMax(max: number): void {
    this.max = max;
    this.drain();
  }

  /**
   * Runs `task` when a slot is free; `urgent` tasks (a person asked) jump the queue. A task whose
   * `signal` aborts while it waits leaves the queue at once and rejects with the signal's reason.
   */
  run<T>(task: () => Promise<T>, options: { urgent?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index === -1) return;
        this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          this.running++;
          task()
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              this.drain();
            });
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (options.urgent) this.waiting.unshift(entry);
      else this.waiting.push(entry);
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.max) {
      const next = this.waiting.shift();
      if (!next) return;
      next.start();
    }
  }
}
