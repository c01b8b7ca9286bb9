/**
 * An agent's own view: its state and settings, a task to run, the run's steps as they happen
 * (model answers, tool calls with arguments and results, tokens, latency; from the /ws `agents`
 * topic, no reload), its past runs, and its memory.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.js";
import type { AgentRunDetail, AgentStepMessage, AgentView } from "../../api/types.js";
import { ActionFailure, ApiProblem, errorText } from "../../components/api-problem.js";
import { FieldError, invalidProps } from "../../components/field-errors.js";
import { StateBadge } from "../../components/state-badge.js";
import { TableHead } from "../../components/table-head.js";
import { DetailHead, Unloaded } from "../../components/detail-page.js";
import { formatInstant } from "../../format.js";
import { store } from "../../live/store.js";
import type { WireMessage } from "../../live/event-socket.js";
import { useRequest } from "../../live/use-request.js";
import { AGENT_TONES, AgentButtons, useAgentActions } from "./agent-actions.js";
import { MemoryBrowser } from "./memory-browser.js";
import { RUN_TONES, RunSteps, type ShownRun } from "./run-steps.js";

/** A run as the page keeps it: from its detail, then changed by the events that follow. */
function shownOf(detail: AgentRunDetail): ShownRun {
  return { id: detail.id, task: detail.task, model: detail.model, status: detail.status, answer: detail.answer, error: detail.error, steps: detail.steps };
}

/** The run with an agent event laid over it (steps by number, so one seen twice is kept once). */
function applyEvent(run: ShownRun | undefined, message: WireMessage): ShownRun {
  const base: ShownRun = run ?? { id: String(message.run_id), task: "", model: "", status: "running", answer: null, error: null, steps: [] };
  switch (message.type) {
    case "agent_run_started":
      return { ...base, task: String(message.task), model: String(message.model) };
    case "agent_step": {
      const step = message as unknown as AgentStepMessage;
      return { ...base, steps: [...base.steps.filter((each) => each.step !== step.step), step].sort((a, b) => a.step - b.step) };
    }
    default: {
      const finished = message as { status?: ShownRun["status"]; answer?: string | null; error?: string | null };
      return { ...base, status: finished.status ?? base.status, answer: finished.answer ?? null, error: finished.error ?? null };
    }
  }
}

export function AgentDetail({ agentId, navigate }: { agentId: string; navigate: (path: string) => void }) {
  const agent = useRequest(() => store.api.agent(agentId), [agentId]);
  const runs = useRequest(() => store.api.agentRuns(agentId), [agentId]);
  const [shown, setShown] = useState<Record<string, ShownRun>>({});
  const [shownId, setShownId] = useState<string | null>(null);
  const [memoryVersion, setMemoryVersion] = useState(0);
  const actions = useAgentActions((changed: AgentView | null) => (changed ? agent.reload() : navigate("/agents")));

  const { reload: reloadAgent } = agent;
  const { reload: reloadRuns } = runs;
  useEffect(() => {
    const socket = store.watch(
      ["agents"],
      [],
      (message) => {
        if (message.agent_id !== agentId || typeof message.run_id !== "string") return;
        const runId = message.run_id;
        setShown((current) => ({ ...current, [runId]: applyEvent(current[runId], message) }));
        if (message.type === "agent_run_started") setShownId(runId);
        if (message.type !== "agent_step") {
          reloadAgent();
          reloadRuns();
          setMemoryVersion((version) => version + 1);
        }
      },
      () => {
        reloadAgent();
        reloadRuns();
      },
    );
    return () => socket.close();
  }, [agentId, reloadAgent, reloadRuns]);

  const open = useCallback(
    (runId: string): void => {
      setShownId(runId);
      store.api.agentRun(agentId, runId).then((detail) => setShown((current) => ({ ...current, [runId]: shownOf(detail) })), () => undefined);
    },
    [agentId],
  );

  if (!agent.data) return <Unloaded request={agent} title={`Agent ${agentId}`} back={{ href: "/agents", label: "Agents" }} navigate={navigate} />;
  const view = agent.data;
  const current = shownId ? shown[shownId] : undefined;

  return (
    <div className="stack">
      <DetailHead
        back={{ href: "/agents", label: "Agents" }}
        navigate={navigate}
        titleId="agent-title"
        name={view.name}
        badge={<StateBadge state={view.state} tone={AGENT_TONES[view.state]} testId="agent-state" />}
        kind={view.type}
        actions={<AgentButtons agent={view} actions={actions} />}
      >
        <dl className="facts detail-facts">
          <div>
            <dt>Model</dt>
            <dd>{view.settings.model ?? "the default provider"}</dd>
          </div>
          <div>
            <dt>Tools</dt>
            <dd className="mono">{view.settings.tools.join(", ") || "none"}</dd>
          </div>
          <div>
            <dt>Step limit</dt>
            <dd>{view.settings.max_steps}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{view.settings.memory.enabled ? "on" : "off"}</dd>
          </div>
        </dl>
      </DetailHead>
      <ActionFailure text={actions.failure} />
      {view.last_error && <p className="panel error">{view.last_error}</p>}
      <RunTask
        agent={view}
        onStarted={(detail) => {
          // Its first events may have come before this answer: they are kept.
          setShown((all) => ({ ...all, [detail.id]: all[detail.id] ?? shownOf(detail) }));
          setShownId(detail.id);
        }}
      />
      {current ? (
        <RunSteps run={current} />
      ) : (
        <p className="panel empty-note muted">No run shown. Run a task above and watch its steps arrive, or open a past run below.</p>
      )}
      <section className="panel stack-tight" aria-labelledby="runs-title">
        <h3 id="runs-title">Past runs</h3>
        {runs.error ? <ApiProblem error={runs.error} what="The runs" onRetry={runs.reload} /> : null}
        {runs.data && runs.data.length === 0 && <p className="muted empty-note">No runs yet: give the agent a task above.</p>}
        {runs.data && runs.data.length > 0 && (
          <table className="table" data-testid="past-runs">
            <TableHead columns={["Task", "Status", "Steps", "Tokens", "Started"]} />
            <tbody>
              {runs.data.map((run) => (
                <tr key={run.id}>
                  <th scope="row">
                    <button type="button" className="link run-task" aria-pressed={run.id === shownId} onClick={() => open(run.id)}>
                      {run.task}
                    </button>
                  </th>
                  <td data-label="Status">
                    <StateBadge state={run.status} tone={RUN_TONES[run.status]} />
                  </td>
                  <td data-label="Steps" className="number">
                    {run.step_count}
                  </td>
                  <td data-label="Tokens" className="number">
                    {run.prompt_tokens + run.completion_tokens}
                  </td>
                  <td data-label="Started">{formatInstant(run.started_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <MemoryBrowser agentId={view.id} version={memoryVersion} enabled={view.settings.memory.enabled} />
      {actions.dialog}
    </div>
  );
}

function RunTask({ agent, onStarted }: { agent: AgentView; onStarted: (run: AgentRunDetail) => void }) {
  const [task, setTask] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = agent.state === "idle";

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    store.api
      .startRun(agent.id, task)
      .then((run) => {
        setTask("");
        onStarted(run);
      })
      .catch((error: unknown) => setProblem(error instanceof ApiError && error.issues.length > 0 ? error.issues.map((issue) => issue.message).join("; ") : errorText(error)))
      .finally(() => setBusy(false));
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="run-task-title" noValidate>
      <h3 id="run-task-title">Run a task</h3>
      {!ready && <p className="muted">The agent is {agent.state}: {agent.state === "running" ? "wait for its run to end." : "start it to give it a task."}</p>}
      <div className="field">
        <label htmlFor="run-task">Task</label>
        <textarea id="run-task" rows={3} value={task} onChange={(event) => setTask(event.target.value)} {...invalidProps(problem ? [problem] : [], "run-task-error")} />
        <FieldError id="run-task-error" messages={problem ? [problem] : []} />
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || !ready}>
          Run
        </button>
      </div>
    </form>
  );
}
