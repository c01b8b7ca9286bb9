// The per-(rule, server) state machine, driven with explicit times.
import { describe, expect, it } from "vitest";
import { initialMachineState, pendingDueAt, step, type MachineEvent, type MachineParams, type MachineState } from "./alert-state-machine.js";

const params: MachineParams = {
  for_ms: 60_000,
  resolve_after_checks: 2,
  flap_window_ms: 600_000,
  flap_fires: 3,
  flap_stable_ms: 300_000,
};

/** Runs inputs in order; returns the final state and the events that were not "none". */
function run(inputs: [holds: boolean | "tick", at: number][], p: MachineParams = params, from = initialMachineState()) {
  let state: MachineState = from;
  const events: [MachineEvent, number][] = [];
  for (const [holds, at] of inputs) {
    const result = step(state, holds === "tick" ? { type: "tick", at } : { type: "observe", holds, at }, p);
    state = result.state;
    if (result.event !== "none") events.push([result.event, at]);
  }
  return { state, events };
}

describe("alert state machine", () => {
  it("waits in pending for `for`, then fires once", () => {
    const { state, events } = run([
      [true, 0],
      [true, 30_000],
      [true, 59_999],
      [true, 60_000],
      [true, 90_000],
    ]);
    expect(events).toEqual([
      ["pending", 0],
      ["fired", 60_000],
    ]);
    expect(state.phase).toBe("firing");
  });

  it("fires from a timer tick when no check arrives at the due time", () => {
    const pending = run([[true, 1000]]).state;
    expect(pendingDueAt(pending, params)).toBe(61_000);
    expect(step(pending, { type: "tick", at: 60_999 }, params).event).toBe("none");
    expect(step(pending, { type: "tick", at: 61_000 }, params).event).toBe("fired");
  });

  it("fires at once when `for` is 0", () => {
    expect(run([[true, 5]], { ...params, for_ms: 0 }).events).toEqual([["fired", 5]]);
  });

  it("drops a blip shorter than `for` without firing", () => {
    const { state, events } = run([
      [true, 0],
      [false, 30_000],
      ["tick", 60_000],
    ]);
    expect(events).toEqual([
      ["pending", 0],
      ["cancelled", 30_000],
    ]);
    expect(state.phase).toBe("inactive");
  });

  it("resolves only after resolve_after_checks consecutive clear checks", () => {
    const { events } = run(
      [
        [true, 0],
        [false, 10],
        [true, 20],
        [false, 30],
        [false, 40],
      ],
      { ...params, for_ms: 0 },
    );
    expect(events).toEqual([
      ["fired", 0],
      ["resolved", 40],
    ]);
  });

  it("holds a flapping alert firing until its condition has been clear for stable_for", () => {
    const p = { ...params, for_ms: 0, resolve_after_checks: 1 };
    const { state, events } = run(
      [
        [true, 0],
        [false, 10_000],
        [true, 20_000],
        [false, 30_000],
        [true, 40_000],
        [false, 50_000], // third fire in the window: held, marked flapping
        [true, 60_000], // still firing; no new fire
        [false, 70_000],
        [false, 200_000],
        [false, 370_000], // 300 s clear since 70 s: stable, resolves
      ],
      p,
    );
    expect(events).toEqual([
      ["fired", 0],
      ["resolved", 10_000],
      ["fired", 20_000],
      ["resolved", 30_000],
      ["fired", 40_000],
      ["flapping", 50_000],
      ["held", 70_000],
      ["held", 200_000],
      ["resolved", 370_000],
    ]);
    expect(state.flapping).toBe(false);
    expect(state.phase).toBe("inactive");
  });

  it("forgets fires older than the flapping window", () => {
    const p = { ...params, for_ms: 0, resolve_after_checks: 1, flap_window_ms: 60_000 };
    const { events } = run(
      [
        [true, 0],
        [false, 1000],
        [true, 100_000],
        [false, 101_000],
        [true, 200_000],
        [false, 201_000],
      ],
      p,
    );
    expect(events.map(([event]) => event)).toEqual(["fired", "resolved", "fired", "resolved", "fired", "resolved"]);
  });
});
