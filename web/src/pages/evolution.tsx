/**
 * Evolution: the runs (kept current by the /ws `evolution` topic), the form that starts a
 * retrieval run with a task suite, and a run's own view under `/evolution/<id>`.
 */
import { ApiProblem } from "../components/api-problem.js";
import { PageLink } from "../components/page-link.js";
import { StateBadge } from "../components/state-badge.js";
import { TableHead } from "../components/table-head.js";
import { formatInstant } from "../format.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";
import { EVOLUTION_TONES, score, useEvolutionEvents } from "./evolution/run-state.js";
import { RunView } from "./evolution/run-view.js";
import { StartRun } from "./evolution/start-run.js";

export default function Evolution({ rest, navigate }: { rest: string; navigate: (path: string) => void }) {
  return rest ? <RunView key={rest} runId={decodeURIComponent(rest)} navigate={navigate} /> : <RunList navigate={navigate} />;
}

function RunList({ navigate }: { navigate: (path: string) => void }) {
  const runs = useRequest(() => store.api.evolutionRuns(), []);
  useEvolutionEvents(runs.reload);

  return (
    <section className="stack" aria-labelledby="evolution-title">
      <div className="section-head">
        <h2 id="evolution-title">Evolution</h2>
        {runs.data && <span className="muted">{runs.data.length} runs</span>}
      </div>
      {runs.error ? <ApiProblem error={runs.error} what="The evolution runs" onRetry={runs.reload} /> : null}
      {runs.data && runs.data.length === 0 && (
        <div className="panel empty">
          <p>No evolution runs yet.</p>
          <p className="muted">
            Start one below with labelled queries over the documents on the Knowledge page, or evolve an agent's instructions and tools with <code>pygent evolve agent</code>.
          </p>
        </div>
      )}
      {runs.data && runs.data.length > 0 && (
        <table className="table" data-testid="evolution-runs">
          <TableHead columns={["Run", "Kind", "State", "Best fitness", "Generations", "Started"]} />
          <tbody>
            {runs.data.map((run) => (
              <tr key={run.id} data-testid={`evolution-run-${run.id}`}>
                <th scope="row">
                  <PageLink href={`/evolution/${encodeURIComponent(run.id)}`} navigate={navigate} className="server-name">
                    {run.name}
                  </PageLink>
                </th>
                <td data-label="Kind">{run.kind}</td>
                <td data-label="State">
                  <StateBadge state={run.state} tone={EVOLUTION_TONES[run.state]} />
                </td>
                <td data-label="Best fitness" className="number">
                  {score(run.best_score)}
                </td>
                <td data-label="Generations" className="number">
                  {run.generations}
                </td>
                <td data-label="Started">{formatInstant(run.started_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <StartRun onStarted={(run) => navigate(`/evolution/${encodeURIComponent(run.id)}`)} />
    </section>
  );
}
