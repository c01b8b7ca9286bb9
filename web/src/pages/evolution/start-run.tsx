/**
 * The form that starts a retrieval evolution run: a name, the task suite as JSON in the labelled
 * corpus's format (`[{ "q": ..., "relevant": [...] }]`, or the whole queries file with its
 * `queries` list), and the population, generations, random seed, evaluation budget and stagnation stop. JSON that does not parse is
 * named here; the daemon's field problems (`tasks[0].q`) are shown at the field they name.
 */
import { useState, type FormEvent } from "react";
import type { EvolutionRunView, NewEvolutionRun } from "../../api/types.js";
import { errorText } from "../../components/api-problem.js";
import { FieldError, FormFailure, issuesFor, TextField } from "../../components/field-errors.js";
import { store } from "../../live/store.js";
import { useSubmit } from "../../live/use-submit.js";
import { numberOrUnset } from "../../number-field.js";

const EXAMPLE = `[
  { "q": "how can readers keep working while the database is being written to", "relevant": ["sqlite-wal"] },
  { "q": "dead tuples and table bloat after many updates", "relevant": ["postgres-vacuum"] }
]`;

/** The tasks the text holds, or why it holds none. */
function tasksOf(text: string): { tasks: unknown[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON: ${errorText(error)}` };
  }
  const list = Array.isArray(value) ? value : (value as { queries?: unknown } | null)?.queries;
  return Array.isArray(list) ? { tasks: list } : { problem: 'must be a JSON list of tasks, or an object with a "queries" list' };
}

export function StartRun({ onStarted }: { onStarted: (run: EvolutionRunView) => void }) {
  const [name, setName] = useState("retrieval settings");
  const [tasks, setTasks] = useState("");
  const [population, setPopulation] = useState("6");
  const [generations, setGenerations] = useState("5");
  const [seed, setSeed] = useState("1");
  const [budget, setBudget] = useState("");
  const [stagnation, setStagnation] = useState("");
  const form = useSubmit("The run was not started");
  const issues = form.issues;

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const parsed = tasksOf(tasks);
    if ("problem" in parsed) return form.refuse([{ field: "tasks", message: parsed.problem }]);
    const settings = Object.fromEntries(
      Object.entries({ population, generations, seed, budget, stagnation })
        .map(([key, text]) => [key, numberOrUnset(text)])
        .filter(([, value]) => value !== undefined),
    ) as NonNullable<NewEvolutionRun["settings"]>;
    form.run(() => store.api.startEvolution({ name, kind: "retrieval", tasks: parsed.tasks, settings }), onStarted);
  };

  // A task's problem names the task: `tasks[0].q: must not be empty`.
  const taskErrors = issues
    .filter((issue) => issue.field === "tasks" || issue.field.startsWith("tasks["))
    .map((issue) => (issue.field === "tasks" ? issue.message : `${issue.field}: ${issue.message}`));

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="start-run-title" noValidate>
      <h3 id="start-run-title">Evolve the retrieval settings</h3>
      <p className="muted small">
        Each candidate is a search mode, a hit limit and a fusion k; its fitness on a task is recall@k of the documents labelled relevant. The documents must be in the
        index (Knowledge page).
      </p>
      <FormFailure text={form.failure} />
      <TextField id="evolution-name" label="Name" value={name} onChange={setName} messages={issuesFor(issues, "name")} />
      <div className="field">
        <label htmlFor="evolution-tasks">Task suite (JSON)</label>
        <textarea
          id="evolution-tasks"
          className="mono"
          rows={8}
          value={tasks}
          placeholder={EXAMPLE}
          onChange={(event) => setTasks(event.target.value)}
          aria-describedby={taskErrors.length > 0 ? "evolution-tasks-error evolution-tasks-hint" : "evolution-tasks-hint"}
          {...(taskErrors.length > 0 ? { "aria-invalid": true } : {})}
        />
        <FieldError id="evolution-tasks-error" messages={taskErrors} />
        <p className="field-hint muted small" id="evolution-tasks-hint">
          A list of <code>{'{ "q": "a query", "relevant": ["document name"] }'}</code>, optionally with <code>id</code> and <code>k</code> (default 5); a labelled queries
          file with a <code>queries</code> list is taken as it is.
        </p>
      </div>
      <div className="form-grid">
        {(
          [
            ["population", "Population", population, setPopulation],
            ["generations", "Generations at most", generations, setGenerations],
            ["seed", "Random seed", seed, setSeed],
            ["budget", "Budget in evaluations (default 1000)", budget, setBudget],
            ["stagnation", "Stop after generations without a better best (default 4)", stagnation, setStagnation],
          ] as const
        ).map(([key, label, value, set]) => (
          <TextField key={key} id={`evolution-${key}`} label={label} inputMode="numeric" value={value} onChange={set} messages={issuesFor(issues, `settings.${key}`)} />
        ))}
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={form.busy}>
          Start run
        </button>
      </div>
    </form>
  );
}
