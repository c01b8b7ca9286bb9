import { closeSync, openSync, readSync } from "node:fs";

/** /proc/<pid>/stat is a few hundred bytes; one read of this much takes it whole. */
const buffer = Buffer.allocUnsafe(4096);

/**
 * The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold
 * spaces and parentheses itself), so that index 0 is the state, 2 the process group, 11 and 12
 * utime and stime, 21 the resident pages; undefined when the process is gone or there is no /proc.
 * Read with one open, read and close (a health check reads it for every stdio server, a scan of
 * process groups for every process on the machine), where readFileSync would also stat the file
 * and read again to find its end.
 */
export function procStatFields(pid: number | string): string[] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
    const stat = buffer.toString("latin1", 0, readSync(fd, buffer, 0, buffer.length, 0));
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
