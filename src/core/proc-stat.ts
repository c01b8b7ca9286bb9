import { readFileSync } from "node:fs";

/**
 * The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold
 * spaces and parentheses itself), so that index 0 is the state, 2 the process group, 11 and 12
 * utime and stime, 21 the resident pages; undefined when the process is gone or there is no /proc.
 */
export function procStatFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
