/**
 * Gateway: how to connect an MCP client (the /mcp endpoint, `pygent mcp`), the sessions open now
 * and their clients, calls per server (calls/s from two readings), the profiles, and the tools
 * held until an admin approves their definition. Read every few seconds while the page is shown:
 * the gateway's counters have no /ws topic.
 */
import { useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client.js";
import type { GatewayStatus, PendingApproval } from "../api/types.js";
import { ApiProblem, errorText } from "../components/api-problem.js";
import { CopyLine } from "../components/copy-line.js";
import { TableHead } from "../components/table-head.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";

const REFRESH_MS = 5000;
/** The daemon's address when none is given to the CLI. */
const DEFAULT_DAEMON = "http://127.0.0.1:8000";

interface Reading {
  at: number;
  calls: Map<string, number>;
}

function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString();
}

function formatRate(perSecond: number | null): string {
  if (perSecond === null) return "—";
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** The gateway's status, read again every REFRESH_MS while the tab is visible, with calls/s per server since the reading before. */
function useGatewayStatus() {
  const status = useRequest(() => store.api.gateway(), []);
  const [rates, setRates] = useState<Map<string, number>>(new Map());
  const previous = useRef<Reading | null>(null);

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") status.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [status.reload]);

  useEffect(() => {
    if (!status.data) return;
    const now: Reading = { at: performance.now(), calls: new Map(status.data.server_calls.map((each) => [each.server_id, each.total])) };
    const before = previous.current;
    if (before) {
      const seconds = (now.at - before.at) / 1000;
      setRates(new Map([...now.calls].map(([id, total]) => [id, seconds > 0 ? Math.max(0, total - (before.calls.get(id) ?? 0)) / seconds : 0])));
    }
    previous.current = now;
  }, [status.data]);

  return { ...status, rates };
}

function Connect({ status }: { status: GatewayStatus }) {
  const endpoint = `${location.origin}${status.path}`;
  const relay = location.origin === DEFAULT_DAEMON ? "pygent mcp" : `pygent mcp --url ${location.origin}`;
  return (
    <section className="panel connect" aria-labelledby="connect-title">
      <h2 id="connect-title">Connect an MCP client</h2>
      <p className="muted">
        Every running server's tools in one MCP server, named <code>{`<server_id>${status.separator}<tool>`}</code>.
      </p>
      <div className="connect-lines">
        <div>
          <h3 className="eyebrow">Streamable HTTP</h3>
          <CopyLine label="MCP endpoint URL" text={endpoint} testId="mcp-endpoint" />
        </div>
        <div>
          <h3 className="eyebrow">stdio (Claude Desktop, editors)</h3>
          <CopyLine label="pygent mcp command" text={relay} testId="mcp-command" />
        </div>
      </div>
    </section>
  );
}

function Figures({ status }: { status: GatewayStatus }) {
  const figures: [string, string | number][] = [
    ["Sessions", status.sessions],
    ["Servers", status.servers],
    ["Tools", status.tools],
    ["Calls", status.calls.total],
    ["Failed calls", status.calls.failed],
    ["Awaiting approval", status.awaiting_approval],
  ];
  return (
    <ul className="figures" aria-label="Gateway figures">
      {figures.map(([name, value]) => (
        <li key={name} className="figure">
          <span className="figure-value">{value}</span>
          <span className="figure-name">{name}</span>
        </li>
      ))}
    </ul>
  );
}

function Sessions({ status }: { status: GatewayStatus }) {
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      {status.clients.length === 0 ? (
        <p className="panel empty">No MCP client is connected. Point one at the endpoint above, or run the command in its MCP settings.</p>
      ) : (
        <table className="table" data-testid="gateway-sessions">
          <TableHead columns={["Client", "Profile", "Opened", "Last activity", "Calls"]} />
          <tbody>
            {status.clients.map((session) => (
              <tr key={session.session_id} data-testid={`session-${session.session_id}`}>
                <th scope="row">
                  <span className="server-name">{session.client ? session.client.name : "(not initialized)"}</span>
                  <span className="muted server-id">{session.client ? `v${session.client.version}` : session.session_id}</span>
                </th>
                <td data-label="Profile">{session.profile ?? <span className="muted">all servers</span>}</td>
                <td data-label="Opened">{formatTime(session.opened_at)}</td>
                <td data-label="Last activity">{formatTime(session.last_activity_at)}</td>
                <td data-label="Calls" className="number">
                  {session.calls}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ServerCalls({ status, rates }: { status: GatewayStatus; rates: Map<string, number> }) {
  return (
    <section aria-labelledby="calls-title">
      <h2 id="calls-title">Calls per server</h2>
      {status.server_calls.length === 0 ? (
        <p className="panel empty">No tool has been called through the gateway since the daemon started.</p>
      ) : (
        <table className="table">
          <TableHead columns={["Server", "Calls/s", "Calls", "Failed"]} />
          <tbody>
            {status.server_calls.map((each) => (
              <tr key={each.server_id}>
                <th scope="row">{each.server_id}</th>
                <td data-label="Calls/s" className="number">
                  {formatRate(rates.get(each.server_id) ?? null)}
                </td>
                <td data-label="Calls" className="number">
                  {each.total}
                </td>
                <td data-label="Failed" className="number">
                  {each.failed}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Profiles({ status }: { status: GatewayStatus }) {
  return (
    <section aria-labelledby="profiles-title">
      <h2 id="profiles-title">Profiles</h2>
      {status.profiles.length === 0 ? (
        <p className="panel empty">
          No profiles. A profile serves a subset of the tools at its own path: add one under <code>gateway.profiles</code> in mcp_server_configs.json.
        </p>
      ) : (
        <table className="table">
          <TableHead columns={["Profile", "Path", "Role", "Tools", "Sessions"]} />
          <tbody>
            {status.profiles.map((profile) => (
              <tr key={profile.name}>
                <th scope="row">
                  <span className="server-name">{profile.name}</span>
                  {profile.missing_servers.length > 0 && <span className="field-error">Not registered: {profile.missing_servers.join(", ")}</span>}
                </th>
                <td data-label="Path">
                  <code>{profile.path}</code>
                </td>
                <td data-label="Role">{profile.role}</td>
                <td data-label="Tools" className="number">
                  {profile.tools}
                </td>
                <td data-label="Sessions" className="number">
                  {profile.sessions}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function reasonText(reason: PendingApproval["reasons"][number]): string {
  switch (reason.kind) {
    case "changed":
      return `Its definition changed since it was approved (${reason.fields.join(", ")}).`;
    case "added":
      return "A new tool on a server whose tools were approved.";
    case "suspicious":
      return `It looks suspicious: ${reason.flags.map((flag) => `${flag.flag.replaceAll("_", " ")} in ${flag.field} (${flag.detail})`).join("; ")}.`;
  }
}

function Held({ held, onApproved }: { held: PendingApproval; onApproved: () => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const approve = (): void => {
    setBusy(true);
    setProblem(null);
    store.api
      .approve(held.server_id, held.tool, held.hash)
      .then(onApproved, (error: unknown) =>
        setProblem(error instanceof ApiError && error.forbidden ? `${error.message} Approving needs an admin token.` : errorText(error)),
      )
      .finally(() => setBusy(false));
  };
  const problemId = `approve-problem-${held.server_id}-${held.tool}`;
  return (
    <li className="held" data-testid={`held-${held.server_id}-${held.tool}`}>
      <div className="held-head">
        <h3>
          {held.tool} <span className="muted">on {held.server_id}</span>
        </h3>
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={approve}
          aria-label={`Approve ${held.tool} on ${held.server_id}`}
          aria-describedby={problem ? problemId : undefined}
        >
          {busy ? "Approving…" : "Approve"}
        </button>
      </div>
      <ul className="held-reasons">
        {held.reasons.map((reason, index) => (
          <li key={index}>{reasonText(reason)}</li>
        ))}
      </ul>
      {held.diff && held.diff.changes.length > 0 && (
        <dl className="held-diff">
          {held.diff.changes.map((change) => (
            <div key={change.path}>
              <dt>
                <code>{change.path}</code> {change.change}
              </dt>
              {change.before !== undefined && <dd className="diff-before">− {change.before}</dd>}
              {change.after !== undefined && <dd className="diff-after">+ {change.after}</dd>}
            </div>
          ))}
        </dl>
      )}
      {!held.diff && held.current.description && <p className="muted held-description">Its description: “{held.current.description}”</p>}
      {problem && (
        <p id={problemId} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}

/** The held tools, read again whenever the gateway's count of them changes. */
function Approvals({ awaiting, onChange }: { awaiting: number; onChange: () => void }) {
  const approvals = useRequest(() => store.api.approvals(), [awaiting]);
  const approved = (): void => {
    approvals.reload();
    onChange();
  };
  return (
    <section aria-labelledby="approvals-title">
      <h2 id="approvals-title">Tools awaiting approval</h2>
      {approvals.error ? (
        <ApiProblem error={approvals.error} what="The approval list" onRetry={approvals.reload} />
      ) : !approvals.data ? (
        <p className="muted">Loading…</p>
      ) : !approvals.data.enabled ? (
        <p className="panel empty">
          Approval of tool changes is off (<code>gateway.approve_changes</code>): clients see every tool as its server defines it.
        </p>
      ) : approvals.data.pending.length === 0 ? (
        <p className="panel empty">Nothing is held. A tool whose definition changes, or looks suspicious, waits here until an admin approves it.</p>
      ) : (
        <ul className="held-list">
          {approvals.data.pending.map((held) => (
            <Held key={`${held.server_id}/${held.tool}`} held={held} onApproved={approved} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function Gateway() {
  const status = useGatewayStatus();
  if (status.error && !status.data) return <ApiProblem error={status.error} what="The gateway's status" onRetry={status.reload} />;
  if (!status.data) return <p className="muted">Loading…</p>;
  return (
    <div className="stack">
      <Connect status={status.data} />
      <Figures status={status.data} />
      <Sessions status={status.data} />
      <ServerCalls status={status.data} rates={status.rates} />
      <Approvals awaiting={status.data.awaiting_approval} onChange={status.reload} />
      <Profiles status={status.data} />
    </div>
  );
}
