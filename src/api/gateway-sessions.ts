/**
 * The gateway's open MCP sessions on HTTP, of both transports (Streamable HTTP on /mcp, the
 * legacy /sse): when each was last used and how many of its requests and event streams are open
 * now. A session with nothing open for `gateway.session_idle_timeout` is closed (a client that
 * keeps its event stream open is there, and is kept); past `gateway.max_sessions` a new one is
 * refused once the idle ones are gone. Time is the app's Clock.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

export interface SessionLimits {
  idleTimeoutMs: number;
  max: number;
}

/** What a session is closed through: its transport (which also closes its MCP server). */
export interface ClosableSession {
  close(): Promise<void>;
}

interface Entry<T extends ClosableSession> {
  transport: T;
  lastSeen: number;
  /** Requests and event streams of the session still open. */
  open: number;
}

/** Idle sessions are looked for at least this often, and at most once per idle timeout. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

export class GatewaySessions<T extends ClosableSession> {
  private readonly sessions = new Map<string, Entry<T>>();
  private sweeper: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly limits: () => SessionLimits,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): T | undefined {
    return this.sessions.get(id)?.transport;
  }

  add(id: string, transport: T): void {
    this.sessions.set(id, { transport, lastSeen: this.clock.now(), open: 0 });
    this.sweeper ??= this.scheduleSweep();
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** A request or event stream of the session began; the function returned ends it. */
  use(id: string): () => void {
    const entry = this.sessions.get(id);
    if (!entry) return () => undefined;
    entry.open++;
    entry.lastSeen = this.clock.now();
    return () => {
      entry.open--;
      entry.lastSeen = this.clock.now();
    };
  }

  /** Whether one more session may open: idle ones are closed first. */
  async hasRoom(): Promise<boolean> {
    const { max } = this.limits();
    if (this.sessions.size < max) return true;
    await this.closeIdle();
    return this.sessions.size < max;
  }

  async closeAll(): Promise<void> {
    this.clock.clearTimeout(this.sweeper);
    this.sweeper = undefined;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((entry) => entry.transport.close().catch(() => undefined)));
  }

  private scheduleSweep(): TimerHandle {
    const interval = Math.min(this.limits().idleTimeoutMs, MAX_SWEEP_INTERVAL_MS);
    return this.clock.setTimeout(() => {
      this.sweeper = this.sessions.size > 0 ? this.scheduleSweep() : undefined;
      void this.closeIdle();
    }, interval);
  }

  private async closeIdle(): Promise<void> {
    const now = this.clock.now();
    const { idleTimeoutMs } = this.limits();
    const idle = [...this.sessions].filter(([, entry]) => entry.open === 0 && now - entry.lastSeen >= idleTimeoutMs);
    for (const [id] of idle) this.sessions.delete(id);
    if (idle.length > 0) this.logger.info({ sessions: idle.length, idle_timeout_s: idleTimeoutMs / 1000 }, "closed idle MCP sessions");
    await Promise.all(
      idle.map(([id, entry]) =>
        entry.transport.close().catch((error: unknown) => this.logger.debug({ session: id, err: errorMessage(error) }, "idle session did not close cleanly")),
      ),
    );
  }
}
