/**
 * The state of one rule on one server: inactive -> pending (the condition holds, waiting out
 * `for`) -> firing -> back to inactive once the condition has been false for enough consecutive
 * checks. Flapping is damped: a rule that keeps firing and resolving on a server stays firing,
 * marked flapping, until its condition has been false for a stable period. Pure: time comes in
 * with each input, so tests need no clock at all.
 */

export type AlertPhase = "inactive" | "pending" | "firing";

export interface MachineState {
  phase: AlertPhase;
  /** When the condition started to hold (pending). */
  pending_since: number | null;
  /** When the alert fired. */
  firing_since: number | null;
  /** Consecutive checks with the condition false while firing. */
  clear_checks: number;
  /** Since when the condition has been false, while firing. */
  clear_since: number | null;
  /** Recent fire times, for flapping (pruned to the flapping window). */
  fires: number[];
  flapping: boolean;
}

export interface MachineParams {
  for_ms: number;
  resolve_after_checks: number;
  flap_window_ms: number;
  /** Fires within the window from which the rule counts as flapping on this server. */
  flap_fires: number;
  /** How long a flapping alert's condition must stay false before it resolves. */
  flap_stable_ms: number;
}

export type MachineInput =
  | { type: "observe"; holds: boolean; at: number }
  /** A timer: a pending condition may now have held long enough. */
  | { type: "tick"; at: number };

/**
 * What a step did. `pending`, `cancelled` (a blip shorter than `for`) and `held` (resolution
 * held back by flapping) are not notified; `fired`, `resolved` and `flapping` are.
 */
export type MachineEvent = "none" | "pending" | "cancelled" | "fired" | "resolved" | "flapping" | "held";

export function initialMachineState(): MachineState {
  return { phase: "inactive", pending_since: null, firing_since: null, clear_checks: 0, clear_since: null, fires: [], flapping: false };
}

/** A firing state, as when restoring an alert that was firing when the daemon stopped. */
export function firingMachineState(since: number): MachineState {
  return { ...initialMachineState(), phase: "firing", firing_since: since, fires: [since] };
}

/** When a pending condition will have held for `for`; null unless pending. */
export function pendingDueAt(state: MachineState, params: MachineParams): number | null {
  return state.phase === "pending" && state.pending_since !== null ? state.pending_since + params.for_ms : null;
}

export function step(
  state: MachineState,
  input: MachineInput,
  params: MachineParams,
): { state: MachineState; event: MachineEvent } {
  const at = input.at;
  if (input.type === "tick") {
    const due = pendingDueAt(state, params);
    return due !== null && at >= due ? fire(state, at, params) : { state, event: "none" };
  }
  if (input.holds) {
    switch (state.phase) {
      case "inactive":
        if (params.for_ms <= 0) return fire(state, at, params);
        return { state: { ...state, phase: "pending", pending_since: at }, event: "pending" };
      case "pending": {
        const due = pendingDueAt(state, params);
        return due !== null && at >= due ? fire(state, at, params) : { state, event: "none" };
      }
      case "firing":
        return { state: { ...state, clear_checks: 0, clear_since: null }, event: "none" };
    }
  }
  switch (state.phase) {
    case "inactive":
      return { state, event: "none" };
    case "pending":
      return { state: { ...state, phase: "inactive", pending_since: null }, event: "cancelled" };
    case "firing":
      return clear(state, at, params);
  }
}

function fire(state: MachineState, at: number, params: MachineParams): { state: MachineState; event: MachineEvent } {
  const fires = [...recentFires(state.fires, at, params), at];
  return {
    state: { ...state, phase: "firing", pending_since: null, firing_since: at, clear_checks: 0, clear_since: null, fires },
    event: "fired",
  };
}

function clear(state: MachineState, at: number, params: MachineParams): { state: MachineState; event: MachineEvent } {
  const next: MachineState = {
    ...state,
    clear_checks: state.clear_checks + 1,
    clear_since: state.clear_since ?? at,
    fires: recentFires(state.fires, at, params),
  };
  if (next.clear_checks < params.resolve_after_checks) return { state: next, event: "none" };
  const flapping = state.flapping || next.fires.length >= params.flap_fires;
  if (!flapping) return { state: resolved(next), event: "resolved" };
  if (at - (next.clear_since ?? at) >= params.flap_stable_ms) return { state: resolved(next), event: "resolved" };
  if (!state.flapping) return { state: { ...next, flapping: true }, event: "flapping" };
  return { state: next, event: "held" };
}

function resolved(state: MachineState): MachineState {
  return { ...state, phase: "inactive", firing_since: null, clear_checks: 0, clear_since: null, flapping: false };
}

function recentFires(fires: number[], at: number, params: MachineParams): number[] {
  return fires.filter((time) => at - time < params.flap_window_ms);
}
