/**
 * One evolution run: its state and progress (read again on each generation the /ws `evolution`
 * topic announces), the best and median fitness per generation as a chart, the best candidate's
 * fitness on each task, and the lineage — every candidate with its origin and parents. A running
 * run can be aborted.
 */
import { useCallback, useMemo, useState } from "react";
import type { EvolutionCandidate, EvolutionRunView } from "../../api/types.js";
import { ActionFailure, ApiProblem, errorText } from "../../components/api-problem.js";
import { Chart, type ChartSpec } from "../../components/chart.js";
import { cssVar, useColorScheme } from "../../components/color-scheme.js";
import { ConfirmDialog, type ConfirmRequest } from "../../components/confirm-dialog.js";
import { StateBadge } from "../../components/state-badge.js";
import { TableHead } from "../../components/table-head.js";
import { DetailHead, Unloaded } from "../../components/detail-page.js";
import { formatInstant } from "../../format.js";
import { store } from "../../live/store.js";
import { useRequest } from "../../live/use-request.js";
import { EVOLUTION_TONES, score, useEvolutionEvents } from "./run-state.js";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Best and median fitness of each generation, in order. */
function generationsOf(candidates: EvolutionCandidate[]): { generation: number; best: number; median: number; size: number }[] {
  const byGeneration = new Map<number, number[]>();
  for (const candidate of candidates) byGeneration.set(candidate.generation, [...(byGeneration.get(candidate.generation) ?? []), candidate.mean]);
  return [...byGeneration.entries()]
    .sort(([a], [b]) => a - b)
    .map(([generation, means]) => ({ generation, best: Math.max(...means), median: median(means), size: means.length }));
}

/** The genes a candidate's fitness depends on, in a few words (the retrieval genes; the rest for an agent run). */
function genesText(genome: unknown, kind: string): string {
  const value = genome as { retrieval?: { mode: string; limit: number; rrf_k: number }; clauses?: string[]; tools?: string[]; temperature?: number; step_limit?: number };
  if (kind === "retrieval" && value.retrieval) return `${value.retrieval.mode}, ${value.retrieval.limit} hits, k ${value.retrieval.rrf_k}`;
  return `${value.clauses?.length ?? 0} clauses, ${value.tools?.length ?? 0} tools, temperature ${value.temperature ?? "—"}, ${value.step_limit ?? "—"} steps`;
}

/** The run's tasks by id, with what each asks (a retrieval task's query, an agent task's prompt). */
function taskTexts(run: EvolutionRunView): Map<string, string> {
  const tasks = Array.isArray(run.tasks) ? (run.tasks as { id?: unknown; q?: unknown; prompt?: unknown }[]) : [];
  return new Map(tasks.map((task) => [String(task.id), String(task.q ?? task.prompt ?? "")]));
}

function plannedGenerations(run: EvolutionRunView): number | null {
  const generations = (run.settings as { settings?: { generations?: unknown } } | null)?.settings?.generations;
  return typeof generations === "number" ? generations : null;
}

export function RunView({ runId, navigate }: { runId: string; navigate: (path: string) => void }) {
  const run = useRequest(() => store.api.evolutionRun(runId), [runId]);
  const lineage = useRequest(() => store.api.lineage(runId), [runId]);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const scheme = useColorScheme();

  const { reload: reloadRun } = run;
  const { reload: reloadLineage } = lineage;
  useEvolutionEvents(
    useCallback(
      (id: string | null) => {
        if (id !== null && id !== runId) return;
        reloadRun();
        reloadLineage();
      },
      [runId, reloadRun, reloadLineage],
    ),
  );

  const generations = useMemo(() => generationsOf(lineage.data ?? []), [lineage.data]);
  const chart = useMemo((): { spec: ChartSpec; xs: number[] } | null => {
    if (generations.length === 0) return null;
    const last = generations.at(-1)!;
    return {
      xs: generations.map((each) => each.generation),
      spec: {
        title: "Fitness",
        unit: "",
        summary: `generation ${last.generation}: best ${score(last.best)}, median ${score(last.median)}`,
        range: [0, 1],
        series: [
          { label: "Best", color: cssVar("--healthy"), values: generations.map((each) => each.best) },
          { label: "Median", color: cssVar("--accent"), values: generations.map((each) => each.median) },
        ],
      },
    };
    // The colours come from the stylesheet, so the chart is rebuilt when the scheme changes.
  }, [generations, scheme]);

  if (!run.data) return <Unloaded request={run} title={`Run ${runId}`} back={{ href: "/evolution", label: "Evolution" }} navigate={navigate} />;
  const view = run.data;
  const planned = plannedGenerations(view);
  const best = lineage.data?.find((candidate) => candidate.id === view.best_candidate);
  const tasks = taskTexts(view);

  const abort = (): void =>
    setConfirm({
      title: "Abort run",
      body: `Abort ${view.name}? The generations written so far are kept.`,
      confirmLabel: "Abort",
      danger: true,
      onConfirm: () => {
        setFailure(null);
        store.api.abortEvolution(view.id).then(reloadRun, (error: unknown) => setFailure(`Abort: ${errorText(error)}`));
      },
    });

  return (
    <div className="stack">
      <DetailHead
        back={{ href: "/evolution", label: "Evolution" }}
        navigate={navigate}
        titleId="run-view-title"
        name={view.name}
        badge={<StateBadge state={view.state} tone={EVOLUTION_TONES[view.state]} testId="evolution-state" />}
        kind={view.kind}
        actions={
          view.state === "running" && (
            <button type="button" className="button button-danger" onClick={abort}>
              Abort run
            </button>
          )
        }
      >
        <dl className="facts detail-facts">
          <div>
            <dt>Best fitness</dt>
            <dd data-testid="best-fitness">{score(view.best_score)}</dd>
          </div>
          <div>
            <dt>Generations</dt>
            <dd data-testid="generation-count">
              {view.generations}
              {planned !== null && ` of at most ${planned}`}
            </dd>
          </div>
          <div>
            <dt>Evaluations</dt>
            <dd>{view.evaluations}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{formatInstant(view.started_at)}</dd>
          </div>
          <div>
            <dt>Stopped because</dt>
            <dd>{view.stop_reason ?? (view.state === "running" ? "still running" : "—")}</dd>
          </div>
        </dl>
      </DetailHead>
      <ActionFailure text={failure} />
      {view.error && <p className="panel error">{view.error}</p>}
      {view.state === "running" && planned !== null && (
        <progress className="evolution-progress" max={planned} value={view.generations} aria-label="Generations written" />
      )}
      {lineage.error ? <ApiProblem error={lineage.error} what="The lineage" onRetry={lineage.reload} /> : null}
      {chart ? (
        <section className="panel stack-tight" aria-labelledby="fitness-title">
          <h3 id="fitness-title">Fitness by generation</h3>
          <Chart spec={chart.spec} xs={chart.xs} />
          <table className="table" data-testid="generations">
            <TableHead columns={["Generation", "Candidates", "Best", "Median"]} />
            <tbody>
              {generations.map((each) => (
                <tr key={each.generation} data-testid={`generation-${each.generation}`}>
                  <th scope="row">{each.generation}</th>
                  <td data-label="Candidates" className="number">
                    {each.size}
                  </td>
                  <td data-label="Best" className="number">
                    {score(each.best)}
                  </td>
                  <td data-label="Median" className="number">
                    {score(each.median)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
        <p className="panel muted empty-note">No generation written yet: the first appears once every candidate of it has been scored on every task.</p>
      )}
      {best && (
        <section className="panel stack-tight" aria-labelledby="per-task-title">
          <h3 id="per-task-title">Fitness per task of the best candidate, {best.id}, weakest first</h3>
          <p className="muted small">{genesText(best.genome, view.kind)}</p>
          <ul className="plain-list task-scores" data-testid="task-scores">
            {Object.entries(best.scores)
              .sort(([, a], [, b]) => a - b)
              .map(([task, value]) => (
              <li key={task} className="task-score">
                <span className="task-score-name">
                  <code>{task}</code> {tasks.get(task)}
                </span>
                <meter min={0} max={1} value={value} aria-label={`Fitness on ${task}`} />
                <span className="number">{score(value)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {lineage.data && lineage.data.length > 0 && (
        <section className="panel stack-tight" aria-labelledby="lineage-title">
          <h3 id="lineage-title">Lineage</h3>
          <p className="muted small">Every candidate by generation: where it came from (the seed, a mutation or crossover of its parents, or an elite carried over) and its mean fitness.</p>
          <table className="table" data-testid="lineage">
            <TableHead columns={["Candidate", "Origin", "Parents", "Genes", "Fitness"]} />
            <tbody>
              {lineage.data.map((candidate) => (
                <tr key={candidate.id} data-testid={`candidate-${candidate.id}`} className={candidate.id === view.best_candidate ? "lineage-best" : undefined}>
                  <th scope="row">
                    <code>{candidate.id}</code>
                    {candidate.id === view.best_candidate && <span className="tag tag-active">best</span>}
                  </th>
                  <td data-label="Origin">{candidate.origin}</td>
                  <td data-label="Parents" data-testid="parents">
                    {candidate.parents.length > 0 ? candidate.parents.join(", ") : "—"}
                  </td>
                  <td data-label="Genes">{genesText(candidate.genome, view.kind)}</td>
                  <td data-label="Fitness" className="number">
                    {score(candidate.mean)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}
