/**
 * Buffers health samples and writes them in batches, one transaction per batch: many servers
 * checked close together cost one commit, and the check path never waits on the database.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { HealthRepository, HealthSampleRecord } from "../store/health-repository.js";

export interface SampleWriterOptions {
  /** Written at once when this many are waiting. */
  maxBatch?: number;
  /** The longest a sample waits before being written. */
  maxDelayMs?: number;
}

export class SampleWriter {
  private buffer: HealthSampleRecord[] = [];
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly repository: Pick<HealthRepository, "appendSamples">,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: SampleWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 500;
  }

  add(sample: HealthSampleRecord): void {
    if (this.closed) return;
    this.buffer.push(sample);
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else this.timer ??= this.clock.setTimeout(() => void this.flush(), this.maxDelayMs);
  }

  /** Samples not written yet, for readers that must count them (uptime). */
  pending(serverId: string): readonly HealthSampleRecord[] {
    return this.buffer.filter((sample) => sample.server_id === serverId);
  }

  async flush(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await this.repository.appendSamples(batch);
    } catch (error) {
      // History is best effort: losing a batch must not stop monitoring.
      this.logger.error({ err: error, samples: batch.length }, "could not store health samples");
    }
  }

  /** Writes what is waiting and accepts nothing more. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
