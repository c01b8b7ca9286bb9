/**
 * One run's steps as a timeline: per step what the model said, its latency and tokens, and each
 * tool call with its arguments, its result (or why it failed) and its latency; the run's outcome
 * at the end. Steps are added as the page hears of them.
 */
import type { AgentRunDetail, HealthStatus } from "../../api/types.js";
import { StateBadge } from "../../components/state-badge.js";

export interface ShownRun {
  id: string;
  task: string;
  model: string;
  status: AgentRunDetail["status"];
  answer: string | null;
  error: string | null;
  steps: Omit<AgentRunDetail["steps"][number], "started_at">[];
}

export const RUN_TONES: Record<AgentRunDetail["status"], HealthStatus> = {
  running: "unknown",
  completed: "healthy",
  step_limit: "warning",
  failed: "critical",
  cancelled: "offline",
  interrupted: "offline",
};

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function RunSteps({ run }: { run: ShownRun }) {
  const tokens = run.steps.reduce((sum, step) => sum + step.prompt_tokens + step.completion_tokens, 0);
  return (
    <section className="panel stack-tight" aria-labelledby="run-title" data-testid="run" data-run-id={run.id}>
      <div className="section-head">
        <h3 id="run-title">Run: {run.task || run.id}</h3>
        <StateBadge state={run.status} tone={RUN_TONES[run.status]} testId="run-status" />
      </div>
      <p className="muted small">
        {run.model && `${run.model} · `}
        {run.steps.length} steps · {tokens} tokens
      </p>
      <ol className="run-steps" aria-live="polite" aria-label="Steps">
        {run.steps.map((step) => (
          <li key={step.step} className="run-step" data-testid={`step-${step.step}`}>
            <div className="run-step-head">
              <strong>Step {step.step}</strong>
              <span className="muted small">
                model {Math.round(step.model_latency_ms)} ms · {step.prompt_tokens} in / {step.completion_tokens} out tokens
              </span>
            </div>
            {step.content && <p className="run-say">{step.content}</p>}
            {step.tool_calls.map((call) => (
              <div key={call.id} className={call.error || call.is_error ? "result result-error tool-call" : "result tool-call"} data-testid="tool-call">
                <div className="result-head">
                  <code>{call.name}</code>
                  <span className="muted small">{Math.round(call.latency_ms)} ms</span>
                </div>
                <p className="small muted">Arguments</p>
                <pre className="result-text">{json(call.arguments)}</pre>
                <p className="small muted">{call.error ? "Failed" : call.is_error ? "The tool answered with an error" : "Result"}</p>
                <pre className="result-text">{call.error ?? call.result ?? ""}</pre>
              </div>
            ))}
          </li>
        ))}
      </ol>
      {run.status === "running" && (
        <p className="muted" role="status">
          Running… steps appear here as they happen.
        </p>
      )}
      {run.answer !== null && run.status !== "running" && (
        <div className="result" data-testid="run-answer">
          <p className="small muted">Answer</p>
          <p className="result-text">{run.answer}</p>
        </div>
      )}
      {run.error && (
        <p className="field-error" role="alert">
          {run.error}
        </p>
      )}
    </section>
  );
}
