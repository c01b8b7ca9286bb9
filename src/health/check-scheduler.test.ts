import { describe, expect, it } from "vitest";
import { ManualClock, type Clock } from "../core/clock.js";
import { CheckScheduler } from "./check-scheduler.js";
import { ConcurrencyLimiter } from "../core/concurrency-limiter.js";

/** A small deterministic generator (LCG), so spreads are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("CheckScheduler", () => {
  it("spreads the first checks of many servers over their interval", () => {
    const clock = new ManualClock();
    const fired: { id: string; at: number }[] = [];
    const scheduler = new CheckScheduler({ clock, random: seeded(7), jitter: 0.1, onDue: (id) => fired.push({ id, at: clock.now() }) });
    const start = clock.now();
    for (let i = 0; i < 300; i++) scheduler.add(`s${i}`, 10_000);
    clock.advance(10_000);
    expect(new Set(fired.map((entry) => entry.id)).size).toBe(300);
    // No second of the interval gets more than about twice its fair share (30).
    const perSecond = new Map<number, number>();
    for (const entry of fired) {
      const second = Math.floor((entry.at - start) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(60);
    expect(perSecond.size).toBe(10);
    scheduler.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("keeps each server on its interval, within the jitter", () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const scheduler = new CheckScheduler({ clock, random: seeded(3), jitter: 0.2, onDue: () => times.push(clock.now()) });
    scheduler.add("a", 5000);
    clock.advance(60_000);
    const gaps = times.slice(1).map((at, index) => at - (times[index] ?? 0));
    expect(times.length).toBeGreaterThanOrEqual(11);
    for (const gap of gaps) {
      // Each due time moves by at most ±10 % (half the jitter), so two in a row differ by ≤ 20 %.
      expect(gap).toBeGreaterThanOrEqual(4000);
      expect(gap).toBeLessThanOrEqual(6000);
    }
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(Math.abs(mean - 5000)).toBeLessThan(300);
    scheduler.stop();
  });

  it("skips missed checks after a stall instead of firing them in a burst", () => {
    // A clock whose timers fire only when told, at whatever time it is then: a blocked loop.
    let now = 1_000_000;
    const timers = new Map<number, () => void>();
    let nextId = 1;
    const clock: Clock = {
      now: () => now,
      setTimeout(callback) {
        const id = nextId++;
        timers.set(id, callback);
        return { id };
      },
      clearTimeout(handle) {
        if (handle) timers.delete(handle.id);
      },
    };
    let count = 0;
    const scheduler = new CheckScheduler({ clock, random: () => 0.5, jitter: 0, onDue: () => count++ });
    scheduler.add("a", 1000);
    expect(scheduler.nextDueAt("a")).toBe(now + 500);
    now += 60_000;
    for (const [id, callback] of [...timers]) {
      timers.delete(id);
      callback();
    }
    expect(count).toBe(1);
    const next = scheduler.nextDueAt("a")!;
    expect(next).toBeGreaterThan(now);
    expect(next).toBeLessThanOrEqual(now + 1000);
    expect(timers.size).toBe(1);
    scheduler.stop();
  });

  it("moves a server to a new interval and forgets a removed one", () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const scheduler = new CheckScheduler({ clock, random: () => 0.5, jitter: 0, onDue: (id) => fired.push(id) });
    scheduler.add("a", 1000);
    scheduler.add("b", 1000);
    scheduler.add("a", 10_000);
    scheduler.remove("b");
    clock.advance(4000);
    expect(fired).toEqual([]);
    clock.advance(1000);
    expect(fired).toEqual(["a"]);
    expect(scheduler.intervalOf("a")).toBe(10_000);
    expect(scheduler.has("b")).toBe(false);
    scheduler.stop();
  });
});

describe("ConcurrencyLimiter", () => {
  it("never runs more than its limit at once and runs everything", async () => {
    const limiter = new ConcurrencyLimiter(3);
    let active = 0;
    let peak = 0;
    const task = async (n: number) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return n;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => limiter.run(() => task(n))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });

  it("starts an urgent task before those already waiting", async () => {
    const limiter = new ConcurrencyLimiter(1);
    const order: string[] = [];
    let release: () => void = () => {};
    const blocker = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = limiter.run(async () => void order.push("scheduled"));
    const urgent = limiter.run(async () => void order.push("urgent"), { urgent: true });
    expect(limiter.queued).toBe(2);
    release();
    await Promise.all([blocker, queued, urgent]);
    expect(order).toEqual(["urgent", "scheduled"]);
  });

  it("keeps going after a task fails", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limiter.run(async () => 42)).resolves.toBe(42);
  });
});
