/** Servers: one row each with its status, why, transport, state and restarts, and start/stop/restart. */
import { memo } from "react";
import type { ServerView } from "../api/types.js";
import { LifecycleButtons, STATE_WORDS, useLifecycle, type Lifecycle } from "../components/server-lifecycle.js";
import { StatusBadge } from "../components/status-badge.js";
import { displayStatus, type DashboardState } from "../live/store.js";

interface RowProps {
  server: ServerView;
  health: DashboardState["health"][string] | undefined;
  busy: boolean;
  ask: Lifecycle["ask"];
  navigate: (path: string) => void;
}

/** A row is drawn again only when its server, its health or its busy flag changed: a health update touches one row of hundreds. */
const ServerRow = memo(function ServerRow({ server, health, busy, ask, navigate }: RowProps) {
  const reason = server.state === "running" ? (health?.reasons[0] ?? null) : server.reason;
  return (
    <tr data-testid={`server-${server.id}`}>
      <th scope="row">
        <a
          className="server-name"
          href={`/servers/${encodeURIComponent(server.id)}`}
          onClick={(event) => {
            event.preventDefault();
            navigate(`/servers/${encodeURIComponent(server.id)}`);
          }}
        >
          {server.name}
        </a>
        {server.name !== server.id && <span className="muted server-id">{server.id}</span>}
      </th>
      <td data-label="Status">
        <StatusBadge status={displayStatus(server, health)} testId="status" />
      </td>
      <td data-label="Reason" className="reason">
        {reason ?? <span className="muted">—</span>}
      </td>
      <td data-label="Transport">{server.transport}</td>
      <td data-label="State" data-testid="state">
        {STATE_WORDS[server.state]}
      </td>
      <td data-label="Restarts" className="number">
        {server.restarts}
      </td>
      <td className="actions">
        <LifecycleButtons server={server} busy={busy} ask={ask} />
      </td>
    </tr>
  );
});

export function Servers({ state, navigate }: { state: DashboardState; navigate: (path: string) => void }) {
  const lifecycle = useLifecycle();

  return (
    <section aria-labelledby="servers-title" className="stack">
      <div className="section-head">
        <h2 id="servers-title">Servers</h2>
        <span className="muted">{state.servers.length} configured</span>
      </div>
      {lifecycle.failure && (
        <p className="panel error" role="alert">
          {lifecycle.failure}
        </p>
      )}
      {state.servers.length === 0 ? (
        <div className="panel empty">
          <p>No servers yet.</p>
          <p className="muted">
            Add one to <code>mcp_server_configs.json</code>, or install one with <code>pygent install</code>.
          </p>
        </div>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Transport</th>
              <th scope="col">State</th>
              <th scope="col">Restarts</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.servers.map((server) => (
              <ServerRow
                key={server.id}
                server={server}
                health={state.health[server.id]}
                busy={lifecycle.busy === server.id}
                ask={lifecycle.ask}
                navigate={navigate}
              />
            ))}
          </tbody>
        </table>
      )}
      {lifecycle.dialog}
    </section>
  );
}
