import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { createAuthFailureLimiter, type AuthFailureLimits } from "./auth-failure-limiter.js";

const limits: AuthFailureLimits = { limit: 3, windowMs: 60_000, lockoutMs: 300_000 };

describe("auth failure limiter", () => {
  it("locks an address out at the limit within the window, for the lockout, then forgets it", () => {
    const clock = new ManualClock();
    const limiter = createAuthFailureLimiter({ clock, limits: () => limits });
    expect(limiter.recordFailure("10.0.0.1")).toBeUndefined();
    expect(limiter.recordFailure("10.0.0.1")).toBeUndefined();
    expect(limiter.lockout("10.0.0.1")).toBeUndefined();
    expect(limiter.recordFailure("10.0.0.1")).toBe(300_000);
    clock.advance(100_000);
    expect(limiter.lockout("10.0.0.1")).toBe(200_000);
    expect(limiter.lockout("10.0.0.2")).toBeUndefined();
    clock.advance(200_000);
    expect(limiter.lockout("10.0.0.1")).toBeUndefined();
    expect(limiter.size()).toBe(0);
  });

  it("starts counting afresh once the window has passed", () => {
    const clock = new ManualClock();
    const limiter = createAuthFailureLimiter({ clock, limits: () => limits });
    limiter.recordFailure("10.0.0.1");
    limiter.recordFailure("10.0.0.1");
    clock.advance(60_000);
    expect(limiter.recordFailure("10.0.0.1")).toBeUndefined();
    expect(limiter.recordFailure("10.0.0.1")).toBeUndefined();
    expect(limiter.lockout("10.0.0.1")).toBeUndefined();
  });

  it("keeps its table bounded: expired entries go first, then the least recently touched", () => {
    const clock = new ManualClock();
    const limiter = createAuthFailureLimiter({ clock, limits: () => limits, maxAddresses: 3 });
    limiter.recordFailure("a");
    clock.advance(60_000);
    limiter.recordFailure("b");
    limiter.recordFailure("c");
    limiter.recordFailure("d");
    expect(limiter.size()).toBe(3);
    limiter.recordFailure("b");
    limiter.recordFailure("b");
    limiter.recordFailure("e");
    expect(limiter.size()).toBe(3);
    // c was the least recently touched; b, locked out, is kept.
    expect(limiter.lockout("b")).toBe(300_000);
    for (let i = 0; i < 100; i++) limiter.recordFailure(`x${i}`);
    expect(limiter.size()).toBe(3);
  });
});
