import { describe, expect, it } from "vitest";
import { ErrorWindow } from "./error-window.js";

describe("ErrorWindow", () => {
  it("has no rate before any event", () => {
    expect(new ErrorWindow(300_000).rate(1_000)).toEqual({ rate: null, events: 0, failures: 0 });
  });

  it("reports failed events as a percentage of all events in the window", () => {
    const window = new ErrorWindow(300_000);
    const start = 1_000_000;
    for (let i = 0; i < 8; i++) window.record(true, start + i * 1000);
    window.record(false, start + 9000);
    window.record(false, start + 9500);
    expect(window.rate(start + 10_000)).toEqual({ rate: 20, events: 10, failures: 2 });
  });

  it("forgets events once they slide out of the window", () => {
    const window = new ErrorWindow(60_000);
    const start = 6_000_000;
    window.record(false, start);
    window.record(true, start + 30_000);
    expect(window.rate(start + 31_000).events).toBe(2);
    expect(window.rate(start + 75_000)).toEqual({ rate: 0, events: 1, failures: 0 });
    expect(window.rate(start + 200_000).rate).toBeNull();
  });

  it("reuses a slot for a later bucket instead of adding to old counts", () => {
    const window = new ErrorWindow(30_000);
    window.record(false, 0);
    window.record(true, 30_000);
    expect(window.rate(30_000)).toEqual({ rate: 0, events: 1, failures: 0 });
  });

  it("holds a million events in constant memory", () => {
    const window = new ErrorWindow(300_000);
    for (let i = 0; i < 1_000_000; i++) window.record(i % 100 !== 0, 10_000_000 + (i % 250_000));
    expect(window.rate(10_250_000).rate).toBeCloseTo(1, 5);
  });
});
