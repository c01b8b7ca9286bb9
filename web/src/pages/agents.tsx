/**
 * Agents: every agent with its type and state (kept current by the /ws `agents` topic), the form
 * that creates one from a template, start/stop/delete each asked for in a confirm dialog, and an
 * agent's own view under `/agents/<id>`.
 */
import { ActionFailure, ApiProblem } from "../components/api-problem.js";
import { PageLink } from "../components/page-link.js";
import { StateBadge } from "../components/state-badge.js";
import { TableHead } from "../components/table-head.js";
import { formatInstant } from "../format.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";
import { AGENT_TONES, AgentButtons, useAgentActions, useAgentEvents } from "./agents/agent-actions.js";
import { AgentDetail } from "./agents/agent-detail.js";
import { CreateAgent } from "./agents/create-agent.js";

export default function Agents({ rest, navigate }: { rest: string; navigate: (path: string) => void }) {
  return rest ? <AgentDetail key={rest} agentId={decodeURIComponent(rest)} navigate={navigate} /> : <AgentList navigate={navigate} />;
}

function AgentList({ navigate }: { navigate: (path: string) => void }) {
  const agents = useRequest(() => store.api.agents(), []);
  const templates = useRequest(() => store.api.agentTemplates(), []);
  const actions = useAgentActions(agents.reload);
  useAgentEvents(agents.reload);

  return (
    <section aria-labelledby="agents-title" className="stack">
      <div className="section-head">
        <h2 id="agents-title">Agents</h2>
        {agents.data && <span className="muted">{agents.data.length} agents</span>}
      </div>
      <ActionFailure text={actions.failure} />
      {agents.error ? <ApiProblem error={agents.error} what="The agents" onRetry={agents.reload} /> : null}
      {agents.data && agents.data.length === 0 && (
        <div className="panel empty">
          <p>No agents yet.</p>
          <p className="muted">Create one from a template below, then give it a task. Agents call the tools of the running servers through the gateway.</p>
        </div>
      )}
      {agents.data && agents.data.length > 0 && (
        <table className="table">
          <TableHead columns={["Agent", "Type", "State", "Created", "Actions"]} />
          <tbody>
            {agents.data.map((agent) => (
              <tr key={agent.id} data-testid={`agent-${agent.name}`}>
                <th scope="row">
                  <PageLink href={`/agents/${encodeURIComponent(agent.id)}`} navigate={navigate} className="server-name">
                    {agent.name}
                  </PageLink>
                  {agent.last_error && <span className="muted reason">{agent.last_error}</span>}
                </th>
                <td data-label="Type">{agent.type}</td>
                <td data-label="State">
                  <StateBadge state={agent.state} tone={AGENT_TONES[agent.state]} testId="agent-state" />
                </td>
                <td data-label="Created">{formatInstant(agent.created_at)}</td>
                <td className="actions">
                  <AgentButtons agent={agent} actions={actions} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {templates.error ? <ApiProblem error={templates.error} what="The agent templates" onRetry={templates.reload} /> : null}
      {templates.data && templates.data.length > 0 && <CreateAgent templates={templates.data} onCreated={(agent) => navigate(`/agents/${encodeURIComponent(agent.id)}`)} />}
      {actions.dialog}
    </section>
  );
}
