import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { withTimeout } from "./probe.js";

describe("probe deadlines", () => {
  it("rejects in its own words when the deadline passes, and aborts the work", async () => {
    const clock = new ManualClock(0);
    let seen: AbortSignal | undefined;
    const pending = withTimeout((signal) => ((seen = signal), new Promise<never>(() => {})), 2000, clock, "ping");
    clock.advance(2000);
    await expect(pending).rejects.toThrow("ping timed out after 2 s");
    expect(seen?.aborted).toBe(true);
  });

  it("tells the SDK's own request timeout, reached first, in the same words", async () => {
    const clock = new ManualClock(0);
    const sdkTimeout = Object.assign(new Error("Request timed out"), { code: "REQUEST_TIMEOUT" });
    await expect(withTimeout(() => Promise.reject(sdkTimeout), 1000, clock, "ping")).rejects.toThrow("ping timed out after 1 s");
  });

  it("passes any other failure on as it is", async () => {
    const clock = new ManualClock(0);
    await expect(withTimeout(() => Promise.reject(new Error("Method not found")), 1000, clock, "ping")).rejects.toThrow("Method not found");
  });
});
