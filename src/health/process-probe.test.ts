import { describe, expect, it } from "vitest";
import { ProcessSampler } from "./process-probe.js";

/** Keeps this process busy for `ms` (blocking on purpose: CPU is what is being measured). */
function burn(ms: number): void {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error("unreachable");
}

describe("ProcessSampler", () => {
  it("gives no CPU figure at the first look (no start-up burst), then measures between calls", async () => {
    const sampler = new ProcessSampler();
    const first = await sampler.sample("self", [process.pid]);
    expect(first).not.toBeNull();
    expect(first!.memory_mb).toBeGreaterThan(10);
    expect(first!.cpu_percent).toBeNull();
    burn(400);
    const busy = await sampler.sample("self", [process.pid]);
    // Mostly busy since the last call: far above idle, at most a little over one core.
    expect(busy!.cpu_percent).toBeGreaterThan(50);
    expect(busy!.cpu_percent).toBeLessThan(150);
  });

  it("leaves out processes that are gone and answers null when none is left", async () => {
    const sampler = new ProcessSampler();
    const gone = 2 ** 22 + 12_345;
    const usage = await sampler.sample("mixed", [process.pid, gone]);
    expect(usage!.memory_mb).toBeGreaterThan(10);
    expect(await sampler.sample("ghost", [gone])).toBeNull();
    expect(await sampler.sample("empty", [])).toBeNull();
  });
});
