/**
 * Runs at most N tasks at once; the rest wait in order. Health checks go through one limiter so
 * hundreds of servers falling due together never means hundreds of probes in flight.
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

  /** Runs `task` when a slot is free; `urgent` tasks (a person asked) jump the queue. */
  run<T>(task: () => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => {
          this.running++;
          task()
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              this.drain();
            });
        },
      };
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
