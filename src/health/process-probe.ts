/**
 * CPU and memory of a stdio server's whole process group (npx wrappers, shells and the real
 * server alike). On Linux each process is read straight from /proc (one small synchronous read,
 * no helper process); elsewhere through pidusage, loaded on first use. CPU % is worked out here
 * from each process's CPU time between two of our own samples, so the first look at a process
 * gives none, and checks far apart still measure the whole gap.
 */
import { readFileSync } from "node:fs";
import { procStatFields } from "../core/proc-stat.js";
import type { McpManager } from "../mcp/manager-types.js";
import type { HealthProbe, ProbeReading } from "./probe.js";

interface CpuMark {
  /** CPU time used so far, ms (user + system). */
  ctime: number;
  /** When it was read, ms since the epoch. */
  at: number;
}

export interface ProcessUsage {
  /**
   * Percent of one core, summed over the processes (may exceed 100), averaged since the previous
   * check; null at the first look, when there is no previous check to measure from.
   */
  cpu_percent: number | null;
  /** Resident memory summed over the processes, MB. */
  memory_mb: number;
}

interface ProcessStat {
  /** CPU time used so far, ms (user + system). */
  ctime: number;
  /** Resident memory, bytes. */
  memory: number;
  /** When it was read, ms since the epoch. */
  timestamp: number;
}

/** /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 a second for every program. */
const MS_PER_TICK = 10;

let pageBytes: number | undefined;

/**
 * The size of a memory page, which /proc/<pid>/stat counts resident memory in: this process's
 * VmRSS over its page count, read once, to the nearest power of two (4 KiB on most machines,
 * 16 or 64 KiB on some ARM ones).
 */
function pageSize(): number {
  if (pageBytes === undefined) {
    const pages = Number(procStatFields("self")?.[21]);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "latin1"));
    pageBytes = rss && pages > 0 ? 2 ** Math.round(Math.log2((Number(rss[1]) * 1024) / pages)) : 4096;
  }
  return pageBytes;
}

/** One process from /proc/<pid>/stat alone (utime, stime, rss); throws when it is gone. */
function readProc(pid: number): ProcessStat {
  const fields = procStatFields(pid);
  if (fields === undefined) throw new Error(`process ${pid} is gone`);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { ctime: ticks * MS_PER_TICK, memory: Number(fields[21]) * pageSize(), timestamp: Date.now() };
}

let pidusage: Promise<typeof import("pidusage")> | undefined;

async function readPortable(pid: number): Promise<ProcessStat> {
  pidusage ??= import("pidusage").then((module) => module.default);
  return (await pidusage)(pid);
}

async function read(pids: readonly number[]): Promise<Map<number, ProcessStat>> {
  const out = new Map<number, ProcessStat>();
  const readOne = process.platform === "linux" ? async (pid: number) => readProc(pid) : readPortable;
  const results = await Promise.allSettled(pids.map(readOne));
  results.forEach((result, index) => {
    // A process that exited between listing and reading simply drops out of the sum.
    const pid = pids[index];
    if (result.status === "fulfilled" && pid !== undefined) out.set(pid, result.value);
  });
  return out;
}

/** Samples process groups, keeping one CPU mark per process between calls. */
export class ProcessSampler {
  private readonly marks = new Map<string, Map<number, CpuMark>>();

  async sample(key: string, pids: readonly number[]): Promise<ProcessUsage | null> {
    if (pids.length === 0) return null;
    const previous = this.marks.get(key) ?? new Map<number, CpuMark>();
    const stats = await read(pids);
    if (stats.size === 0) {
      this.marks.delete(key);
      return null;
    }
    const next = new Map<number, CpuMark>();
    // A process seen for the first time only sets its mark: measuring it over a short gap would
    // catch the CPU burst of its start-up and report a healthy server as busy.
    let cpu: number | null = null;
    let memory = 0;
    for (const [pid, stat] of stats) {
      const mark = previous.get(pid);
      const elapsed = mark ? stat.timestamp - mark.at : 0;
      if (mark && elapsed > 0) cpu = (cpu ?? 0) + (Math.max(0, stat.ctime - mark.ctime) / elapsed) * 100;
      memory += stat.memory;
      next.set(pid, { ctime: stat.ctime, at: stat.timestamp });
    }
    this.marks.set(key, next);
    return { cpu_percent: cpu === null ? null : Math.round(cpu * 10) / 10, memory_mb: Math.round((memory / (1024 * 1024)) * 10) / 10 };
  }

  forget(key: string): void {
    this.marks.delete(key);
  }
}

export function createProcessProbe(manager: Pick<McpManager, "processIds">, sampler = new ProcessSampler()): HealthProbe {
  return {
    name: "process",
    essential: false,
    appliesTo: (server) => server.transport === "stdio",
    async run(server): Promise<ProbeReading> {
      const usage = await sampler.sample(server.id, manager.processIds(server.id));
      if (!usage) return {};
      return usage.cpu_percent === null ? { memory_mb: usage.memory_mb } : { cpu_percent: usage.cpu_percent, memory_mb: usage.memory_mb };
    },
    forget(serverId) {
      sampler.forget(serverId);
    },
  };
}
