import { describe, expect, it } from "vitest";
import { ProcessSampler } from "./process-probe.js";

/**
 * Keeps this process busy until it has used `ms` of CPU time (blocking on purpose: CPU is what is
 * being measured). CPU time, not wall time: on a loaded machine a wall-clock burn gets little CPU.
 */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i += 1) x += Math.sqrt(x + 1);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) break;
  }
  if (x < 0) throw new Error("unreachable");
}

describe("ProcessSampler", () => {
  it("gives no CPU figure at the first look (no start-up burst), then measures between calls", async () => {
    const sampler = new ProcessSampler();
    const first = await sampler.sample("self", [process.pid]);
    expect(first).not.toBeNull();
    // Resident memory as the process itself sees it (the page count times the page size).
    const rssMb = process.memoryUsage().rss / (1024 * 1024);
    expect(first!.memory_mb).toBeGreaterThan(rssMb * 0.85);
    expect(first!.memory_mb).toBeLessThan(rssMb * 1.15);
    expect(first!.cpu_percent).toBeNull();
    // What the sampler should see, measured here the same way: CPU time over wall time.
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    burnCpu(400);
    const busy = await sampler.sample("self", [process.pid]);
    const cpu = process.cpuUsage(cpuStart);
    const expected = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100;
    // Idle reads near 0; the tolerance covers clock-tick rounding and the moments between the readings.
    expect(busy!.cpu_percent).toBeGreaterThan(expected * 0.6);
    expect(busy!.cpu_percent).toBeLessThan(expected * 1.4 + 10);
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
