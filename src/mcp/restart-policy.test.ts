import { describe, expect, it } from "vitest";
import { parseServer } from "../config/validate.js";
import { RestartPolicy } from "./restart-policy.js";

const config = parseServer({ id: "p", command: ["x"], restart_backoff_initial: 1, restart_backoff_max: 8, restart_max_failures: 5, restart_window: 300, restart_stable_after: 30 });

const noJitter = () => 0;

describe("restart policy", () => {
  it("doubles the delay up to the maximum", () => {
    const policy = new RestartPolicy(config, noJitter);
    const delays = [0, 1, 2, 3, 4].map((i) => policy.onFailure(i * 100_000));
    expect(delays.map((d) => (d.action === "restart" ? d.delayMs : -1))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it("gives up after more than the allowed failures inside the window", () => {
    const policy = new RestartPolicy(config, noJitter);
    for (let i = 0; i < 5; i++) expect(policy.onFailure(i * 1000).action).toBe("restart");
    const last = policy.onFailure(5000);
    expect(last).toEqual({ action: "give_up", reason: "6 failures within 300 s (limit 5); not restarting" });
  });

  it("forgets failures older than the window", () => {
    const policy = new RestartPolicy(config, noJitter);
    for (let i = 0; i < 5; i++) policy.onFailure(i * 1000);
    expect(policy.onFailure(400_000).action).toBe("restart");
  });

  it("starts the backoff again after a stable run", () => {
    const policy = new RestartPolicy(config, noJitter);
    policy.onFailure(0);
    policy.onFailure(1000);
    policy.recordRun(31_000);
    const next = policy.onFailure(40_000);
    expect(next).toEqual({ action: "restart", delayMs: 1000 });
  });

  it("jitters each delay down by up to half, from the injected randomness, under the cap", () => {
    const draws = [0.5, 0.999, 0, 0.25, 0.5];
    const policy = new RestartPolicy(config, () => draws.shift()!);
    const delays = [0, 1, 2, 3, 4].map((i) => policy.onFailure(i * 100_000));
    expect(delays.map((d) => (d.action === "restart" ? d.delayMs : -1))).toEqual([750, 1001, 4000, 7000, 6000]);
  });

  it("never gives up on a remote endpoint: it keeps retrying at the capped delay", () => {
    for (const transport of ["sse", "http"]) {
      const remote = parseServer({ id: "r", transport, url: "http://127.0.0.1:9/mcp", restart_backoff_initial: 1, restart_backoff_max: 8, restart_max_failures: 5 });
      const policy = new RestartPolicy(remote, noJitter);
      const decisions = Array.from({ length: 50 }, (_, i) => policy.onFailure(i * 1000));
      expect(decisions.every((d) => d.action === "restart")).toBe(true);
      expect(decisions.at(-1)).toEqual({ action: "restart", delayMs: 8000 });
    }
  });
});
