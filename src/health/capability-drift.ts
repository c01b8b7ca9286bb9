/**
 * Capability drift: compares what a server lists now with the last snapshot kept in the store
 * (so a change made while the daemon was down is caught at the next start), records a change
 * and publishes `capabilities_changed`. The first snapshot of a server is its baseline.
 */
import type { MessageBus } from "../bus/bus.js";
import type { CapabilitiesChangedEvent, CapabilitySnapshot } from "../bus/events.js";
import type { Logger } from "../core/logger.js";
import type { HealthRepository } from "../store/health-repository.js";
import { diffCapabilities, fingerprintCapabilities, isEmptyDiff } from "./capability-fingerprint.js";

export interface CapabilitySummary {
  fingerprint: string;
  tools: number;
  resources: number;
  prompts: number;
  /** When a change was last seen since the daemon started; null when none. */
  changed_at: number | null;
}

type Repository = Pick<
  HealthRepository,
  "capabilitySnapshot" | "saveCapabilitySnapshot" | "deleteCapabilitySnapshot" | "deleteCapabilitySnapshotsExcept" | "recordCapabilityChange"
>;

export class CapabilityDriftDetector {
  /** The last fingerprint per server, so an unchanged server costs one hash and no query. */
  private readonly known = new Map<string, CapabilitySummary>();
  /** One comparison per server at a time: a check and a restart can report the same change. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repository: Repository,
    private readonly bus: MessageBus,
    private readonly logger: Logger,
  ) {}

  summary(serverId: string): CapabilitySummary | null {
    return this.known.get(serverId) ?? null;
  }

  forget(serverId: string): void {
    this.known.delete(serverId);
  }

  /**
   * Forgets the server and deletes its stored snapshot: the server is gone, and one registered
   * later under its id starts from a new baseline. Queued behind comparisons of the same id, so
   * a new server's first snapshot is never deleted by the old one's removal.
   */
  drop(serverId: string): Promise<void> {
    this.forget(serverId);
    return this.enqueue(serverId, () => this.repository.deleteCapabilitySnapshot(serverId));
  }

  /** Deletes the stored snapshots of every server not named (removed while nothing listened). */
  async dropAllExcept(serverIds: readonly string[]): Promise<void> {
    const dropped = await this.repository.deleteCapabilitySnapshotsExcept(serverIds);
    if (dropped > 0) this.logger.info({ dropped }, "dropped capability snapshots of removed servers");
  }

  /** Resolves with the published event when something changed, null otherwise. */
  observe(serverId: string, snapshot: CapabilitySnapshot, at: number): Promise<CapabilitiesChangedEvent | null> {
    return this.enqueue(serverId, () => this.compare(serverId, snapshot, at));
  }

  private enqueue<T>(serverId: string, job: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(serverId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(job);
    this.queues.set(serverId, next);
    void next.finally(() => {
      if (this.queues.get(serverId) === next) this.queues.delete(serverId);
    }).catch(() => undefined);
    return next;
  }

  private async compare(serverId: string, snapshot: CapabilitySnapshot, at: number): Promise<CapabilitiesChangedEvent | null> {
    const current = fingerprintCapabilities(snapshot);
    const counts = { tools: snapshot.tools.length, resources: snapshot.resources.length, prompts: snapshot.prompts.length };
    const known = this.known.get(serverId);
    if (known?.fingerprint === current.fingerprint) return null;
    const stored = await this.repository.capabilitySnapshot(serverId);
    const save = () =>
      this.repository.saveCapabilitySnapshot({ server_id: serverId, fingerprint: current.fingerprint, items: current.items, captured_at: at });
    if (!stored) {
      await save();
      this.known.set(serverId, { fingerprint: current.fingerprint, ...counts, changed_at: null });
      return null;
    }
    if (stored.fingerprint === current.fingerprint) {
      this.known.set(serverId, { fingerprint: current.fingerprint, ...counts, changed_at: known?.changed_at ?? null });
      return null;
    }
    const diff = diffCapabilities(stored.items, current.items);
    await save();
    this.known.set(serverId, { fingerprint: current.fingerprint, ...counts, changed_at: at });
    if (isEmptyDiff(diff)) return null;
    const event: CapabilitiesChangedEvent = {
      type: "capabilities_changed",
      server_id: serverId,
      ...diff,
      previous_fingerprint: stored.fingerprint,
      fingerprint: current.fingerprint,
      at,
    };
    await this.repository.recordCapabilityChange({
      server_id: serverId,
      at,
      previous_fingerprint: stored.fingerprint,
      fingerprint: current.fingerprint,
      ...diff,
    });
    this.logger.warn(
      { server_id: serverId, added: diff.added.length, removed: diff.removed.length, changed: diff.changed },
      "server capabilities changed",
    );
    this.bus.publish(event);
    return event;
  }
}
