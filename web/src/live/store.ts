/**
 * The dashboard's state: servers, their health, the system health report and firing alerts.
 * Loaded from the REST API, then kept current by /ws events (server_status, health_updates,
 * alerts) rather than by polling; after a reconnect it reloads, since events may have been
 * missed. It also keeps the latest events worth telling (status changes, alerts, installs that
 * ended) for the Overview's "Recent events". Components read it through useDashboard
 * (useSyncExternalStore).
 */
import { useSyncExternalStore } from "react";
import { ApiClient, ApiError, type ServerAction } from "../api/client.js";
import { readToken, saveToken } from "../api/token.js";
import type {
  AlertMessage,
  AlertRecord,
  Caller,
  HealthBody,
  HealthStatus,
  HealthUpdateMessage,
  InstallProgressMessage,
  ServerState,
  ServerStatusMessage,
  ServerView,
  Topic,
} from "../api/types.js";
import { connectEvents, type Connection, type WireMessage } from "./event-socket.js";

/** What the Servers table shows of a server's health besides its status. */
export interface ServerFigures {
  response_time_ms: number | null;
  cpu_percent: number | null;
  memory_mb: number | null;
  /** Share of successful checks over the last 24 h, in percent. */
  uptime_24h: number | null;
}

export interface ServerHealthView {
  status: HealthStatus;
  reasons: string[];
  figures: ServerFigures;
  /** Response times of the latest checks, oldest first (at most RECENT_CHECKS): the table's sparkline. */
  recent: number[];
}

/** How many checks' response times a server's sparkline shows. */
export const RECENT_CHECKS = 30;

export interface DashboardState {
  /** "signed-out": auth is on and no valid token was given. */
  phase: "loading" | "ready" | "signed-out" | "error";
  error: string | null;
  servers: ServerView[];
  /** Health per server id, from the monitor. */
  health: Record<string, ServerHealthView>;
  system: HealthBody | null;
  alerts: AlertRecord[];
  /** Who is signed in and what they may do; null until loaded. */
  caller: Caller | null;
  connection: Connection;
  retryInMs: number | null;
  /** Newest first, at most RECENT_EVENTS, since the page opened. */
  recent: RecentEvent[];
}

/** Something that happened, as the Overview lists it. */
export interface RecentEvent {
  /** Unique in the list. */
  key: number;
  at: number;
  kind: "server" | "alert" | "install";
  server_id: string;
  text: string;
  /** How it reads: the status whose badge it shows. */
  tone: HealthStatus;
}

const RECENT_EVENTS = 20;

/** A server state's badge in the recent events: running is good news, a crash or a backoff is trouble. */
const STATE_TONES: Record<ServerState, HealthStatus> = {
  running: "healthy",
  starting: "unknown",
  stopping: "unknown",
  stopped: "offline",
  backoff: "warning",
  crash_loop: "critical",
  failed: "critical",
};

/** The event worth telling in a /ws message, or null for one that is not (a health check, an install's progress). */
function recentOf(message: WireMessage): Omit<RecentEvent, "key"> | null {
  switch (message.type) {
    case "server_status": {
      const status = message as unknown as ServerStatusMessage;
      const tone = STATE_TONES[status.state];
      const reason = status.reason ? `: ${status.reason}` : "";
      return { at: status.at, kind: "server", server_id: status.server_id, text: `${status.previous} → ${status.state}${reason}`, tone };
    }
    case "alert": {
      const alert = message as unknown as AlertMessage;
      const tone: HealthStatus = alert.state === "resolved" ? "healthy" : alert.severity === "info" ? "unknown" : alert.severity;
      return { at: alert.at, kind: "alert", server_id: alert.server_id, text: `Alert ${alert.state}: ${alert.summary}`, tone };
    }
    case "install_progress": {
      const install = message as unknown as InstallProgressMessage;
      if (install.phase !== "done" && install.phase !== "failed") return null;
      const verb = install.operation === "install" ? "Install" : "Uninstall";
      return { at: install.at, kind: "install", server_id: install.server_id, text: `${verb} ${install.phase === "done" ? "done" : "failed"}: ${install.message}`, tone: install.phase === "done" ? "healthy" : "critical" };
    }
    default:
      return null;
  }
}

/** How long health refreshes wait so that a burst of events makes one request. */
const REFRESH_DEBOUNCE_MS = 500;

/**
 * Health updates are drawn in batches: 200 servers checked every 5 s send 40 a second, and one
 * render for each would keep the page busy. The statuses they carry are applied at once per batch.
 */
const HEALTH_BATCH_MS = 250;

/** Health updates alone refresh the whole report (components, alerts) at most this often; a status change or an alert sooner. */
const REPORT_REFRESH_ON_HEALTH_MS = 5000;

const HEALTH_STATUSES: readonly HealthStatus[] = ["healthy", "warning", "critical", "unknown", "offline"];

const numberOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

function figuresOf(source: Partial<Record<keyof ServerFigures, unknown>>): ServerFigures {
  return {
    response_time_ms: numberOrNull(source.response_time_ms),
    cpu_percent: numberOrNull(source.cpu_percent),
    memory_mb: numberOrNull(source.memory_mb),
    uptime_24h: numberOrNull(source.uptime_24h),
  };
}

/** `recent` with the response time of one more check, kept to the last RECENT_CHECKS. */
function withCheck(recent: readonly number[], responseMs: number | null): number[] {
  if (responseMs === null) return [...recent];
  return [...recent, responseMs].slice(-RECENT_CHECKS);
}

/**
 * The per-server rows of the health report's mcp component, when it has them, over `current`:
 * the report's figures and status, the sparkline's checks kept (a server new to it starts with the report's one).
 */
function healthFromReport(report: HealthBody, current: DashboardState["health"]): DashboardState["health"] {
  const rows = (report.components.mcp.details as { servers?: unknown }).servers;
  const health: DashboardState["health"] = { ...current };
  if (!Array.isArray(rows)) return health;
  for (const row of rows as Array<Partial<Record<keyof ServerFigures | "id" | "status" | "reasons", unknown>>>) {
    if (typeof row.id !== "string" || !HEALTH_STATUSES.includes(row.status as HealthStatus)) continue;
    const figures = figuresOf(row);
    health[row.id] = {
      status: row.status as HealthStatus,
      reasons: Array.isArray(row.reasons) ? (row.reasons as string[]) : [],
      figures,
      recent: current[row.id]?.recent ?? withCheck([], figures.response_time_ms),
    };
  }
  return health;
}

export class DashboardStore {
  private state: DashboardState = {
    phase: "loading",
    error: null,
    servers: [],
    health: {},
    system: null,
    alerts: [],
    caller: null,
    connection: "connecting",
    retryInMs: null,
    recent: [],
  };
  private recentKey = 0;
  private readonly listeners = new Set<() => void>();
  private token: string | null = readToken();
  readonly api = new ApiClient(() => this.token);
  private socket: { close(): void } | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending refresh runs (epoch ms). */
  private refreshDue = Infinity;
  /** Health updates not drawn yet, by server id. */
  private pendingHealth: DashboardState["health"] | null = null;
  /** Events held while a load is in flight. */
  private held: WireMessage[] | null = null;
  /** Pages that follow events the store itself keeps nothing of (install progress). */
  private readonly eventListeners = new Set<(message: WireMessage) => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): DashboardState => this.state;

  /** Hands every /ws event to `listener` until the returned function is called. */
  onEvent(listener: (message: WireMessage) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private set(patch: Partial<DashboardState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  /** Loads everything and opens the event stream. */
  async start(): Promise<void> {
    if (!(await this.load())) return;
    this.socket?.close();
    let everOpen = false;
    this.socket = connectEvents({
      topics: ["server_status", "health_updates", "alerts", "install_progress"],
      token: () => this.token,
      onMessage: (message) => this.onMessage(message),
      onConnection: (connection, retryInMs) => {
        this.set({ connection, retryInMs });
        if (connection !== "open") return;
        if (everOpen) void this.load();
        everOpen = true;
      },
      onUnauthorized: () => this.signOut(),
    });
  }

  /**
   * A page's own event stream, for events the store does not keep (one server's logs, say):
   * signed in as the store is, signing out when the daemon refuses the token. `onReconnect`
   * runs each time it opens again after a drop, for the page to reload what it may have missed.
   */
  watch(topics: Topic[], serverIds: string[], onMessage: (message: WireMessage) => void, onReconnect: () => void): { close(): void } {
    let everOpen = false;
    return connectEvents({
      topics,
      serverIds,
      token: () => this.token,
      onMessage,
      onConnection: (connection) => {
        if (connection !== "open") return;
        if (everOpen) onReconnect();
        everOpen = true;
      },
      onUnauthorized: () => this.signOut(),
    });
  }

  /** Signs in with a token; false when the daemon refuses it. */
  async signIn(token: string): Promise<boolean> {
    this.token = token;
    try {
      await this.api.servers();
    } catch (error) {
      this.token = null;
      if (error instanceof ApiError && error.unauthorized) return false;
      throw error;
    }
    saveToken(token);
    this.set({ phase: "loading" });
    await this.start();
    return true;
  }

  signOut(): void {
    this.socket?.close();
    this.socket = null;
    this.token = null;
    this.pendingHealth = null;
    saveToken(null);
    this.set({ phase: "signed-out", servers: [], health: {}, system: null, alerts: [], caller: null, recent: [] });
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  async act(id: string, action: ServerAction): Promise<void> {
    const view = await this.api.serverAction(id, action);
    this.upsert(view);
  }

  private async load(): Promise<boolean> {
    // Events that arrive while the snapshot is on its way are newer than it may be: held, then applied on top.
    const held: WireMessage[] = [];
    this.held = held;
    try {
      const [list, system, caller] = await Promise.all([this.api.servers(), this.api.health(), this.api.me()]);
      const alerts = await this.api.firingAlerts().catch(() => []);
      this.set({ phase: "ready", error: null, servers: list.servers, system, health: healthFromReport(system, {}), alerts, caller });
      if (this.held === held) this.held = null;
      for (const message of held) this.onMessage(message);
      return true;
    } catch (error) {
      if (this.held === held) this.held = null;
      if (error instanceof ApiError && error.unauthorized) {
        this.signOut();
        return false;
      }
      this.set({ phase: "error", error: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }

  async addServer(entry: Record<string, unknown>): Promise<ServerView> {
    const view = await this.api.addServer(entry);
    this.upsert(view);
    return view;
  }

  async removeServer(id: string): Promise<void> {
    await this.api.removeServer(id);
    const { [id]: _removed, ...health } = this.state.health;
    this.set({ servers: this.state.servers.filter((each) => each.id !== id), health });
  }

  private upsert(view: ServerView): void {
    const servers = this.state.servers.some((each) => each.id === view.id)
      ? this.state.servers.map((each) => (each.id === view.id ? view : each))
      : [...this.state.servers, view];
    this.set({ servers });
  }

  private onMessage(message: WireMessage): void {
    if (this.held) {
      this.held.push(message);
      return;
    }
    for (const listener of this.eventListeners) listener(message);
    const recent = recentOf(message);
    if (recent) this.set({ recent: [{ ...recent, key: ++this.recentKey }, ...this.state.recent].slice(0, RECENT_EVENTS) });
    switch (message.type) {
      case "server_status":
        this.onServerStatus(message as unknown as ServerStatusMessage);
        break;
      case "health_update": {
        const update = message as unknown as HealthUpdateMessage;
        const batch = this.pendingHealth ?? {};
        if (!this.pendingHealth) {
          this.pendingHealth = batch;
          setTimeout(() => this.drawHealth(), HEALTH_BATCH_MS);
        }
        const figures = figuresOf(update.metrics);
        const checks = (batch[update.server_id] ?? this.state.health[update.server_id])?.recent ?? [];
        batch[update.server_id] = { status: update.status, reasons: update.reasons, figures, recent: withCheck(checks, figures.response_time_ms) };
        break;
      }
      case "alert":
        this.refreshSoon();
        break;
      default:
        break;
    }
  }

  private onServerStatus(status: ServerStatusMessage): void {
    const known = this.state.servers.find((each) => each.id === status.server_id);
    if (!known) {
      void this.load();
      return;
    }
    this.upsert({ ...known, state: status.state, reason: status.reason, pid: status.pid, restarts: status.restarts });
    this.refreshSoon();
  }

  private drawHealth(): void {
    const batch = this.pendingHealth;
    this.pendingHealth = null;
    if (!batch) return;
    this.set({ health: { ...this.state.health, ...batch } });
    this.refreshSoon(REPORT_REFRESH_ON_HEALTH_MS);
  }

  /** The health report and alerts, once a burst of events has passed (within `delayMs`, or sooner if already due). */
  private refreshSoon(delayMs = REFRESH_DEBOUNCE_MS): void {
    const due = Date.now() + delayMs;
    if (this.refreshTimer) {
      if (due >= this.refreshDue) return;
      clearTimeout(this.refreshTimer);
    }
    this.refreshDue = due;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refreshDue = Infinity;
      void Promise.all([this.api.health(), this.api.firingAlerts().catch(() => this.state.alerts)])
        .then(([system, alerts]) => this.set({ system, alerts, health: healthFromReport(system, this.state.health) }))
        .catch(() => undefined);
    }, REFRESH_DEBOUNCE_MS);
  }
}

/**
 * The status a server's badge shows: the monitor's while it runs, offline while it does not
 * (stopped, waiting to restart, given up), unknown while it starts or stops.
 */
export function displayStatus(server: ServerView, health: DashboardState["health"][string] | undefined): HealthStatus {
  switch (server.state) {
    case "running":
      return health?.status ?? "unknown";
    case "starting":
    case "stopping":
      return "unknown";
    default:
      return "offline";
  }
}

/** Whether the signed-in caller may take actions that need `role` (everyone may with auth off). */
export function callerMay(state: Pick<DashboardState, "caller">, role: Caller["may"][number]): boolean {
  return state.caller?.may.includes(role) ?? false;
}

export const store = new DashboardStore();

export function useDashboard(): DashboardState {
  return useSyncExternalStore(store.subscribe, store.snapshot);
}
