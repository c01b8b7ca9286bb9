/**
 * When each server's next check is due. A server's first check falls at a random point of its
 * interval and each later one an interval after the previous due time, give or take the jitter,
 * so servers added together spread out and stay spread. Fixed-rate from the due time, not from
 * when a check finished: a slow check does not push every later one back.
 */
import type { Clock, TimerHandle } from "../core/clock.js";

export interface CheckSchedulerOptions {
  clock: Clock;
  /** A number in [0, 1); injected so tests are deterministic. */
  random: () => number;
  /** Fraction of the interval each due time may move by (0-1). */
  jitter: number;
  onDue: (serverId: string) => void;
}

interface Entry {
  intervalMs: number;
  dueAt: number;
  timer: TimerHandle;
}

export class CheckScheduler {
  private readonly entries = new Map<string, Entry>();
  private jitter: number;

  constructor(private readonly options: CheckSchedulerOptions) {
    this.jitter = options.jitter;
  }

  setJitter(jitter: number): void {
    this.jitter = jitter;
  }

  has(serverId: string): boolean {
    return this.entries.has(serverId);
  }

  intervalOf(serverId: string): number | undefined {
    return this.entries.get(serverId)?.intervalMs;
  }

  nextDueAt(serverId: string): number | null {
    return this.entries.get(serverId)?.dueAt ?? null;
  }

  /** Starts scheduling a server (or restarts it with a new interval). */
  add(serverId: string, intervalMs: number): void {
    this.remove(serverId);
    this.arm(serverId, intervalMs, this.options.clock.now() + this.options.random() * intervalMs);
  }

  remove(serverId: string): void {
    const entry = this.entries.get(serverId);
    if (!entry) return;
    this.options.clock.clearTimeout(entry.timer);
    this.entries.delete(serverId);
  }

  stop(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  private arm(serverId: string, intervalMs: number, dueAt: number): void {
    const clock = this.options.clock;
    const timer = clock.setTimeout(() => this.fire(serverId), Math.max(0, dueAt - clock.now()));
    this.entries.set(serverId, { intervalMs, dueAt, timer });
  }

  private fire(serverId: string): void {
    const entry = this.entries.get(serverId);
    if (!entry) return;
    const now = this.options.clock.now();
    const spread = (this.options.random() - 0.5) * this.jitter * entry.intervalMs;
    let next = entry.dueAt + entry.intervalMs + spread;
    // After a stall (a suspended laptop, a blocked loop) skip the missed checks instead of
    // firing them all at once.
    if (next <= now) next = now + entry.intervalMs * (0.5 + this.options.random() * 0.5);
    this.arm(serverId, entry.intervalMs, next);
    this.options.onDue(serverId);
  }
}
