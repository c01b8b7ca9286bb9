/**
 * The error rate of one server over a sliding window: failed probes and failed tool calls.
 * Counts live in a fixed ring of time buckets, so a server answering thousands of tool calls a
 * second costs the same memory as an idle one; the window slides one bucket at a time.
 */

const BUCKETS = 30;

export interface ErrorRate {
  /** Percent (0-100) of failed events; null when there were none. */
  rate: number | null;
  events: number;
  failures: number;
}

export class ErrorWindow {
  private readonly bucketMs: number;
  private readonly totals = new Array<number>(BUCKETS).fill(0);
  private readonly failures = new Array<number>(BUCKETS).fill(0);
  /** The bucket index (time / bucketMs) each slot holds. */
  private readonly slots = new Array<number>(BUCKETS).fill(-1);

  constructor(readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  record(ok: boolean, at: number): void {
    const index = Math.floor(at / this.bucketMs);
    const slot = index % BUCKETS;
    if (this.slots[slot] !== index) {
      this.slots[slot] = index;
      this.totals[slot] = 0;
      this.failures[slot] = 0;
    }
    this.totals[slot] = (this.totals[slot] ?? 0) + 1;
    if (!ok) this.failures[slot] = (this.failures[slot] ?? 0) + 1;
  }

  /** The rate over the window ending at `now`. */
  rate(now: number): ErrorRate {
    const newest = Math.floor(now / this.bucketMs);
    let events = 0;
    let failures = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const index = this.slots[slot] ?? -1;
      if (index > newest - BUCKETS && index <= newest) {
        events += this.totals[slot] ?? 0;
        failures += this.failures[slot] ?? 0;
      }
    }
    return { rate: events === 0 ? null : (failures / events) * 100, events, failures };
  }
}
