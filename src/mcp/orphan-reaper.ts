/**
 * After a daemon was killed with -9 its stdio servers, and any install command it was running,
 * live on. At the next start, the process groups recorded in the store are checked: a process that still carries the dead daemon's
 * instance marker in its environment is ours and is ended; anything else is left alone. The data
 * directory's lock guarantees that no other live daemon owns these records.
 */
import type { Logger } from "../core/logger.js";
import type { ProcessGroupsRepository } from "../store/index.js";
import { pidAlive, pidsInGroup, processEnvValue } from "./process-group.js";
import { INSTANCE_ENV } from "./supervisor.js";

export interface ReapResult {
  groups: number;
  killed: number[];
}

export async function reapOrphans(
  repository: ProcessGroupsRepository,
  currentInstance: string,
  logger: Logger,
  graceMs = 2000,
): Promise<ReapResult> {
  const records = await repository.list();
  const killed: number[] = [];
  let groups = 0;
  for (const record of records) {
    if (record.daemon_instance === currentInstance) continue;
    const ours = pidsInGroup(record.pgid).filter((pid) => processEnvValue(pid, INSTANCE_ENV) === record.daemon_instance);
    if (ours.length > 0) {
      groups++;
      logger.warn({ server_id: record.server_id, kind: record.kind, pgid: record.pgid, pids: ours }, "ending processes left by a previous daemon");
      for (const pid of ours) signal(pid, "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (ours.some(pidAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      for (const pid of ours) if (pidAlive(pid)) signal(pid, "SIGKILL");
      killed.push(...ours);
    }
    await repository.remove(record.pgid);
  }
  return { groups, killed };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
