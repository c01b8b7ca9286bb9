/** Servers: one row each with its status, why, transport, state and restarts, and start/stop/restart. */
import { useState } from "react";
import type { ServerAction } from "../api/client.js";
import type { ServerState, ServerView } from "../api/types.js";
import { ConfirmDialog, type ConfirmRequest } from "../components/confirm-dialog.js";
import { StatusBadge } from "../components/status-badge.js";
import { displayStatus, store, type DashboardState } from "../live/store.js";

const STATE_WORDS: Record<ServerState, string> = {
  stopped: "stopped",
  starting: "starting",
  running: "running",
  backoff: "restarting",
  crash_loop: "crash loop",
  failed: "failed",
  stopping: "stopping",
};

const ACTION_TEXT: Record<ServerAction, { label: string; question: (name: string) => string; danger: boolean }> = {
  start: { label: "Start", question: (name) => `Start ${name}?`, danger: false },
  stop: { label: "Stop", question: (name) => `Stop ${name}? Clients using it lose its tools until it is started again.`, danger: true },
  restart: { label: "Restart", question: (name) => `Restart ${name}? Calls in flight are cut off.`, danger: true },
};

function actionsFor(server: ServerView): ServerAction[] {
  if (server.state === "stopped" || server.state === "failed" || server.state === "crash_loop") return ["start"];
  if (server.state === "stopping") return [];
  return ["restart", "stop"];
}

export function Servers({ state }: { state: DashboardState }) {
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const ask = (server: ServerView, action: ServerAction): void => {
    const text = ACTION_TEXT[action];
    setConfirm({
      title: `${text.label} server`,
      body: text.question(server.name),
      confirmLabel: text.label,
      danger: text.danger,
      onConfirm: () => {
        setBusy(server.id);
        setFailure(null);
        store
          .act(server.id, action)
          .catch((error: unknown) => setFailure(`${text.label} ${server.name}: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => setBusy(null));
      },
    });
  };

  return (
    <section aria-labelledby="servers-title" className="stack">
      <div className="section-head">
        <h2 id="servers-title">Servers</h2>
        <span className="muted">{state.servers.length} configured</span>
      </div>
      {failure && (
        <p className="panel error" role="alert">
          {failure}
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
            {state.servers.map((server) => {
              const health = state.health[server.id];
              const reason = server.state === "running" ? (health?.reasons[0] ?? null) : server.reason;
              return (
                <tr key={server.id} data-testid={`server-${server.id}`}>
                  <th scope="row">
                    <span className="server-name">{server.name}</span>
                    {server.name !== server.id && <span className="muted server-id">{server.id}</span>}
                  </th>
                  <td data-label="Status">
                    <StatusBadge status={displayStatus(server, state.health)} testId="status" />
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
                    {actionsFor(server).map((action) => (
                      <button
                        key={action}
                        type="button"
                        className={action === "start" ? "button button-primary" : "button"}
                        disabled={busy === server.id}
                        aria-label={`${ACTION_TEXT[action].label} ${server.name}`}
                        onClick={() => ask(server, action)}
                      >
                        {ACTION_TEXT[action].label}
                      </button>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}
