/**
 * One server's page (/servers/<id>): its status and why, start/stop/restart, what it serves with
 * a form to call each tool, its health over time, its output, its lifecycle and the changes in
 * what it serves, with Approve for tools the gateway holds. Kept current by the store and by its
 * own /ws subscription to this server's logs, health, capability changes and approvals.
 */
import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../api/client.js";
import type { Approvals, CapabilityChanges, CapabilitySnapshot, HealthUpdateMessage, ServerEventsBody, ServerHealth } from "../api/types.js";
import { LifecycleButtons, STATE_WORDS, useLifecycle } from "../components/server-lifecycle.js";
import { StatusBadge } from "../components/status-badge.js";
import { formatDuration } from "../format.js";
import { callerMay, displayStatus, store, type DashboardState } from "../live/store.js";
import { CapabilityChangesPanel, LifecycleEvents, OutputTail, type LogLine } from "./server-detail/activity.js";
import { Capabilities } from "./server-detail/capabilities.js";
import HealthCharts from "./server-detail/health-charts.js";

/** Lines of output kept on the page. */
const MAX_LINES = 500;

type Metrics = ServerHealth["metrics"];

function decode(rest: string): string {
  try {
    return decodeURIComponent(rest.split("/")[0] ?? "");
  } catch {
    return rest;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function Uptime({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <>{formatDuration((now - since) / 1000)}</>;
}

function metric(value: number | null | undefined, unit: string, digits = 1): string {
  return value === null || value === undefined ? "—" : `${+value.toFixed(digits)} ${unit}`;
}

export default function ServerDetail({ rest, state, navigate }: { rest: string; state: DashboardState; navigate: (path: string) => void }) {
  const id = decode(rest);
  const server = state.servers.find((each) => each.id === id);
  const lifecycle = useLifecycle();
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  const [snapshot, setSnapshot] = useState<CapabilitySnapshot | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [logFailure, setLogFailure] = useState<string | null>(null);
  const [events, setEvents] = useState<ServerEventsBody["events"] | null>(null);
  const [changes, setChanges] = useState<CapabilityChanges["changes"] | null>(null);
  const [pending, setPending] = useState<Approvals["pending"]>([]);

  const loadCapabilities = useCallback(() => {
    store.api
      .capabilities(id)
      .then((body) => (setSnapshot(body), setUnavailable(null)))
      .catch((error: unknown) => {
        setSnapshot(null);
        setUnavailable(
          error instanceof ApiError && error.code === "SERVER_NOT_RUNNING"
            ? "The server has not started yet, so what it offers is unknown. Start it to see its tools, resources and prompts."
            : `Its capabilities could not be loaded: ${messageOf(error)}`,
        );
      });
  }, [id]);
  const loadChanges = useCallback(() => {
    store.api.capabilityChanges(id).then((body) => setChanges(body.changes), () => setChanges([]));
    store.api.approvals().then((body) => setPending(body.pending.filter((each) => each.server_id === id)), () => setPending([]));
  }, [id]);
  const loadEvents = useCallback(() => {
    store.api.events(id).then((body) => setEvents(body.events), () => setEvents([]));
  }, [id]);
  const loadRest = useCallback(() => {
    store.api
      .logs(id)
      .then((body) => (setLines(body.lines), setLogFailure(null)))
      .catch((error: unknown) => setLogFailure(`The output could not be loaded: ${messageOf(error)}`));
    store.api.serverHealth(id).then((body) => setMetrics(body.metrics), () => undefined);
    loadCapabilities();
    loadChanges();
  }, [id, loadCapabilities, loadChanges]);

  const known = server !== undefined;
  useEffect(() => {
    if (!known) return;
    loadRest();
    const socket = store.watch(
      ["logs", "health_updates", "capabilities_changed", "tool_approvals"],
      [id],
      (message) => {
        switch (message.type) {
          case "log":
            setLines((current) => [...current, message as unknown as LogLine].slice(-MAX_LINES));
            break;
          case "health_update":
            setMetrics((message as unknown as HealthUpdateMessage).metrics);
            break;
          case "capabilities_changed":
            loadCapabilities();
            loadChanges();
            break;
          case "tool_approval":
            loadChanges();
            break;
          default:
            break;
        }
      },
      loadRest,
    );
    return () => socket.close();
  }, [id, known, loadRest, loadCapabilities, loadChanges]);

  // A start, stop, exit or restart is a new lifecycle event; a start brings new capabilities.
  const running = server?.state === "running";
  useEffect(() => {
    if (known) loadEvents();
  }, [known, server?.state, server?.restarts, loadEvents]);
  useEffect(() => {
    if (running) loadCapabilities();
  }, [running, loadCapabilities]);

  const back = (
    <a
      href="/servers"
      className="link back-link"
      onClick={(event) => {
        event.preventDefault();
        navigate("/servers");
      }}
    >
      ← All servers
    </a>
  );

  if (!server) {
    return (
      <div className="stack">
        {back}
        <div className="panel empty" role="alert">
          <p>
            There is no server <code>{id}</code>.
          </p>
          <p className="muted">It may have been removed. Pick one from the list of servers.</p>
        </div>
      </div>
    );
  }

  const status = displayStatus(server, state.health[server.id]);
  const health = state.health[server.id];
  const reason = server.state === "running" ? (health?.reasons[0] ?? null) : server.reason;
  const held = new Set(pending.map((each) => each.tool));

  return (
    <div className="stack detail">
      {back}
      <section className="panel detail-head" aria-labelledby="server-title">
        <div className="detail-title">
          <div>
            <h2 id="server-title" className="detail-name">
              {server.name}
            </h2>
            <p className="muted small">
              <code>{server.id}</code>
              {server.category && <> · {server.category}</>}
            </p>
          </div>
          <div className="detail-actions">
            <LifecycleButtons server={server} busy={lifecycle.busy === server.id} ask={lifecycle.ask} allowed={callerMay(state, "operator")} />
          </div>
        </div>
        <div className="detail-status">
          <StatusBadge status={status} testId="status" />
          <span className="reason" data-testid="reason">
            {reason ?? (status === "healthy" ? "All checks pass." : "")}
          </span>
        </div>
        {server.description && <p className="muted">{server.description}</p>}
        <dl className="facts detail-facts">
          <div>
            <dt>State</dt>
            <dd data-testid="state">{STATE_WORDS[server.state]}</dd>
          </div>
          <div>
            <dt>Transport</dt>
            <dd>{server.transport}</dd>
          </div>
          <div>
            <dt>PID</dt>
            <dd>{server.pid ?? "—"}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd>{running && server.started_at !== null ? <Uptime since={server.started_at} /> : "—"}</dd>
          </div>
          <div>
            <dt>Restarts</dt>
            <dd>{server.restarts}</dd>
          </div>
          <div>
            <dt>Response time</dt>
            <dd>{metric(metrics?.response_time_ms, "ms")}</dd>
          </div>
          <div>
            <dt>CPU</dt>
            <dd>{metric(metrics?.cpu_percent, "%")}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{metric(metrics?.memory_mb, "MB", 0)}</dd>
          </div>
          <div>
            <dt>Uptime (24 h)</dt>
            <dd>{metric(metrics?.uptime_24h, "%", 2)}</dd>
          </div>
        </dl>
        {lifecycle.failure && (
          <p className="panel error" role="alert">
            {lifecycle.failure}
          </p>
        )}
      </section>

      <Capabilities serverId={server.id} snapshot={snapshot} unavailable={unavailable} held={held} running={running} />
      <HealthCharts serverId={server.id} />
      <div className="detail-grid">
        <OutputTail lines={lines} failure={logFailure} />
        <LifecycleEvents events={events} />
      </div>
      <CapabilityChangesPanel changes={changes} pending={pending} onApproved={loadChanges} />
      {lifecycle.dialog}
    </div>
  );
}
