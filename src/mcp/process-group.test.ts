import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { signalGroup, waitGroupGone } from "./process-group.js";

const children: ChildProcess[] = [];

/** A process leading its own group that stays until killed. */
function groupLeader(): number {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  children.push(child);
  if (child.pid === undefined) throw new Error("sleep did not start");
  return child.pid;
}

/** CPU (user + system, ms) this process spends waiting on `pgids` until they time out. */
async function cpuWaitingOn(pgids: number[], timeoutMs: number): Promise<number> {
  const before = process.cpuUsage();
  const results = await Promise.all(pgids.map((pgid) => waitGroupGone(pgid, timeoutMs)));
  const used = process.cpuUsage(before);
  expect(results.every((gone) => !gone)).toBe(true);
  return (used.user + used.system) / 1000;
}

afterEach(async () => {
  const pids = children.splice(0).flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  for (const pid of pids) signalGroup(pid, "SIGKILL");
  await Promise.all(pids.map((pid) => waitGroupGone(pid, 5000)));
});

describe("process groups", () => {
  it("resolves when the group is gone and at the timeout when it stays", async () => {
    const pgid = groupLeader();
    expect(await waitGroupGone(pgid, 100)).toBe(false);
    signalGroup(pgid, "SIGKILL");
    expect(await waitGroupGone(pgid, 10_000)).toBe(true);
  });

  it("waiting on many groups at once costs about what waiting on one does", async () => {
    // A daemon stopping hundreds of servers waits on hundreds of groups together; reading /proc
    // once per group per poll made that cost grow with the square of the number of servers.
    const many = Array.from({ length: 60 }, groupLeader);
    const one = await cpuWaitingOn([groupLeader()], 1000);
    const all = await cpuWaitingOn(many, 1000);
    // A scan per group per poll costs sixty times one (or all of a core); one scan per poll for
    // every group costs about one, and a small multiple of it leaves room for noise.
    expect(all).toBeLessThan(3 * one + 50);
  });
});
