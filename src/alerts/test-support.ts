/**
 * For the alert tests: bus events as the health monitor and the supervisor publish them, and a
 * harness holding a real bus, a real SQLite store in a temporary directory, a ManualClock and
 * the alert service, with everything it sent recorded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus } from "../bus/bus.js";
import type { AlertEvent, CapabilitiesChangedEvent, HealthStatus, HealthUpdateEvent, ServerState, ServerStatusEvent } from "../bus/events.js";
import { AlertsConfigSchema, type AlertsConfigInput } from "../config/alerts-schema.js";
import { ManualClock } from "../core/clock.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { openStore, type Store } from "../store/index.js";
import { createAlertService, type AlertService, type AlertServiceOptions, type ChannelStateView } from "./alert-service.js";
import type { AlertNotification } from "./notification.js";

export function healthUpdate(
  serverId: string,
  status: HealthStatus,
  at: number,
  metrics: Partial<HealthUpdateEvent["metrics"]> = {},
  reasons: string[] = [],
  state: HealthUpdateEvent["state"] = status === "offline" ? "backoff" : "running",
): HealthUpdateEvent {
  return {
    type: "health_update",
    server_id: serverId,
    status,
    previous_status: null,
    reasons,
    metrics: {
      response_time_ms: status === "offline" ? null : 12,
      cpu_percent: 1,
      memory_mb: 40,
      error_rate: 0,
      consecutive_failures: status === "offline" ? 3 : 0,
      uptime_1h: 100,
      uptime_24h: 100,
      uptime_7d: 100,
      ...metrics,
    },
    state,
    at,
  };
}

export function capabilitiesChanged(serverId: string, at: number, toolNames: string[] = ["echo"]): CapabilitiesChangedEvent {
  return {
    type: "capabilities_changed",
    server_id: serverId,
    added: [],
    removed: [],
    changed: toolNames.map((name) => ({ kind: "tool", name, fields: ["description"] })),
    previous_fingerprint: "before",
    fingerprint: "after",
    at,
  };
}

export function serverStatus(serverId: string, state: ServerState, previous: ServerState, at: number): ServerStatusEvent {
  return { type: "server_status", server_id: serverId, state, previous, reason: null, pid: null, restarts: 0, at };
}

export interface AlertHarness {
  bus: InProcessBus;
  clock: ManualClock;
  store: Store;
  service: AlertService;
  /** What `onAlert` callbacks received. */
  notifications: AlertNotification[];
  /** The `alert` bus events (the websocket channel's output). */
  alertEvents: AlertEvent[];
  /** Publishes a health update for each server, stamped now. */
  health(status: HealthStatus, ...serverIds: string[]): void;
  /** Moves time on, publishing a health update every `everyMs` for each server meanwhile. */
  checks(status: HealthStatus, durationMs: number, everyMs: number, ...serverIds: string[]): void;
  /** Lets queued sends run. */
  settle(): Promise<void>;
  /** A second service over the same store and bus, as after a daemon restart. */
  restart(config?: AlertsConfigInput): Promise<void>;
  close(): Promise<void>;
}

export async function alertHarness(
  config: AlertsConfigInput = {},
  extra: Partial<Omit<AlertServiceOptions, "bus" | "store" | "clock" | "config">> & { logger?: Logger } = {},
): Promise<AlertHarness> {
  const dir = mkdtempSync(join(tmpdir(), "pygent-alerts-"));
  const clock = new ManualClock();
  const store = openStore(dir, clock);
  const bus = new InProcessBus();
  const notifications: AlertNotification[] = [];
  const alertEvents: AlertEvent[] = [];
  const unsubscribeEvents = bus.subscribe("alert", (event) => alertEvents.push(event));
  const build = async (input: AlertsConfigInput) => {
    const service = createAlertService({
      logger: silentLogger(),
      ...extra,
      bus,
      store,
      clock,
      config: AlertsConfigSchema.parse(input),
    });
    service.onAlert((notification) => {
      notifications.push(notification);
    });
    await service.start();
    return service;
  };
  const harness: AlertHarness = {
    bus,
    clock,
    store,
    service: await build(config),
    notifications,
    alertEvents,
    health(status, ...serverIds) {
      for (const id of serverIds) bus.publish(healthUpdate(id, status, clock.now()));
    },
    checks(status, durationMs, everyMs, ...serverIds) {
      for (let elapsed = 0; elapsed < durationMs; elapsed += everyMs) {
        clock.advance(Math.min(everyMs, durationMs - elapsed));
        harness.health(status, ...serverIds);
      }
    },
    async settle() {
      await harness.service.idle();
    },
    async restart(next = config) {
      await harness.service.stop();
      harness.service = await build(next);
    },
    async close() {
      unsubscribeEvents();
      await harness.service.stop();
      bus.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The delivery state of the channel `id`; throws when there is no such channel. */
export async function channelState(service: AlertService, id: string): Promise<ChannelStateView> {
  const state = (await service.channelStates()).find((channel) => channel.id === id);
  if (!state) throw new Error(`no alert channel "${id}"`);
  return state;
}
