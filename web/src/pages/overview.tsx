/** Overview: the daemon's overall health, its activity, each component's health, servers counted by status, alerts firing, recent events. */
import type { HealthStatus } from "../api/types.js";
import { StatusBadge } from "../components/status-badge.js";
import { formatDuration } from "../format.js";
import { displayStatus, type DashboardState } from "../live/store.js";
import { ActivityFigures, RecentEvents } from "./overview-activity.js";

const ORDER: HealthStatus[] = ["healthy", "warning", "critical", "offline", "unknown"];

/** How each component of the health report is named on the page; an unlisted one shows its key. */
const COMPONENT_NAMES: Record<string, string> = {
  database: "Database",
  agents: "Agents",
  mcp: "MCP servers",
  memory: "Memory",
  rag: "RAG",
  ollama: "Ollama",
};

export function Overview({ state, navigate }: { state: DashboardState; navigate: (path: string) => void }) {
  const { system, servers, health, alerts } = state;
  const counts = new Map<HealthStatus, number>(ORDER.map((status) => [status, 0]));
  for (const server of servers) {
    const status = displayStatus(server, health[server.id]);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }

  return (
    <div className="stack">
      {system && (
        <section className="panel hero" aria-labelledby="overall-title">
          <div>
            <h2 id="overall-title" className="eyebrow">
              Overall health
            </h2>
            <p className="hero-status">
              <StatusBadge status={system.status} testId="overall-status" />
            </p>
          </div>
          <dl className="facts">
            <div>
              <dt>Version</dt>
              <dd>{system.version}</dd>
            </div>
            <div>
              <dt>Uptime</dt>
              <dd>{formatDuration(system.uptime_s)}</dd>
            </div>
            <div>
              <dt>Servers</dt>
              <dd>{servers.length}</dd>
            </div>
            <div>
              <dt>Alerts firing</dt>
              <dd>{alerts.length}</dd>
            </div>
          </dl>
        </section>
      )}

      <ActivityFigures />

      <section aria-labelledby="servers-by-status">
        <div className="section-head">
          <h2 id="servers-by-status">Servers by status</h2>
          <a
            href="/servers"
            className="link"
            onClick={(event) => {
              event.preventDefault();
              navigate("/servers");
            }}
          >
            All servers →
          </a>
        </div>
        <ul className="tiles" data-testid="status-counts">
          {ORDER.map((status) => (
            <li key={status} className={`tile tile-${status}`}>
              <span className="tile-count">{counts.get(status)}</span>
              <StatusBadge status={status} />
            </li>
          ))}
        </ul>
      </section>

      {system && (
        <section aria-labelledby="components-title">
          <h2 id="components-title">Components</h2>
          <ul className="cards">
            {Object.entries(system.components).map(([name, component]) => (
              <li key={name} className="card" data-testid={`component-${name}`}>
                <div className="card-head">
                  <h3>{COMPONENT_NAMES[name] ?? name}</h3>
                  <StatusBadge status={component.status} />
                </div>
                <p className="muted">{component.reasons[0] ?? "No problems found."}</p>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts firing</h2>
        {alerts.length === 0 ? (
          <p className="panel empty">No alerts are firing.</p>
        ) : (
          <ul className="alerts">
            {alerts.map((alert) => (
              <li key={alert.id} className={`alert alert-${alert.severity}`}>
                <span className="alert-severity">{alert.severity}</span>
                <span className="alert-summary">{alert.summary}</span>
                <span className="muted">
                  {alert.server_id} · since {new Date(alert.started_at).toLocaleTimeString()}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <RecentEvents events={state.recent} />
    </div>
  );
}
