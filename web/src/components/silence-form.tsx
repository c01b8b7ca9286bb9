/**
 * The form that creates a silence: matchers (server, rule or severity; a * or ? makes a glob), a
 * duration from now or a start and an end, and why. The daemon validates; its problems are shown
 * at the fields they name.
 */
import { useState, type FormEvent } from "react";
import { ApiError, type FieldIssue } from "../api/client.js";
import type { NewSilence, SilenceView } from "../api/types.js";
import { FieldError, invalidProps, issuesFor } from "./field-errors.js";

type MatcherName = "server_id" | "rule_id" | "severity";

export interface MatcherDraft {
  name: MatcherName;
  value: string;
}

const MATCHER_LABELS: Record<MatcherName, string> = { server_id: "Server", rule_id: "Rule", severity: "Severity" };

const UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const;
type Unit = keyof typeof UNITS;

/** A datetime-local value (the browser's zone) as an ISO instant; undefined when empty. */
function instant(local: string): string | undefined {
  if (local === "") return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? local : at.toISOString();
}

export function SilenceForm({
  initial,
  create,
  onCreated,
}: {
  /** Matchers to start from (Silence… on an alert fills them in). */
  initial: MatcherDraft[];
  create: (silence: NewSilence) => Promise<SilenceView>;
  onCreated: (silence: SilenceView) => void;
}) {
  const [matchers, setMatchers] = useState<MatcherDraft[]>(initial);
  const [timing, setTiming] = useState<"duration" | "range">("duration");
  const [amount, setAmount] = useState("2");
  const [unit, setUnit] = useState<Unit>("hours");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [comment, setComment] = useState("");
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const change = (index: number, patch: Partial<MatcherDraft>): void =>
    setMatchers(matchers.map((matcher, at) => (at === index ? { ...matcher, ...patch } : matcher)));

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const amountNumber = Number(amount);
    const silence: NewSilence = {
      matchers: matchers.map((matcher) => ({ name: matcher.name, value: matcher.value.trim(), glob: /[*?]/.test(matcher.value) })),
      comment,
      ...(timing === "duration"
        ? { duration: amount.trim() === "" || Number.isNaN(amountNumber) ? undefined : Math.round(amountNumber * UNITS[unit]) }
        : { starts_at: instant(start), ends_at: instant(end) }),
    };
    setBusy(true);
    setFailure(null);
    create(silence)
      .then((created) => {
        setIssues([]);
        setComment("");
        onCreated(created);
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.issues.length > 0) {
          setIssues(error.issues);
          setFailure("The silence was not created: correct the fields marked below.");
        } else {
          setIssues([]);
          setFailure(`The silence was not created: ${error instanceof Error ? error.message : String(error)}`);
        }
      })
      .finally(() => setBusy(false));
  };

  const matcherListErrors = issues.filter((issue) => issue.field === "matchers").map((issue) => issue.message);
  const durationErrors = issuesFor(issues, "duration");
  const startErrors = issuesFor(issues, "starts_at");
  const endErrors = issuesFor(issues, "ends_at");
  const commentErrors = issuesFor(issues, "comment");
  const otherErrors = issues.filter((issue) => issue.field === "(root)" || issue.field.startsWith("window")).map((issue) => `${issue.field}: ${issue.message}`);

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="silence-form-title" noValidate>
      <h3 id="silence-form-title">New silence</h3>
      <p className="muted">Matching alerts are still recorded and shown here, but no channel (webhook, email, dashboard events) is notified until the silence ends.</p>
      {failure && (
        <p className="field-error" role="alert">
          {failure}
        </p>
      )}
      <fieldset className="fieldset">
        <legend>Matchers (all must fit)</legend>
        {matchers.map((matcher, index) => {
          const errors = [...issuesFor(issues, `matchers[${index}]`, true)];
          const errorId = `silence-matcher-${index}-error`;
          return (
            <div className="matcher-row" key={index}>
              <div className="field">
                <label htmlFor={`silence-matcher-${index}-name`}>Match on</label>
                <select id={`silence-matcher-${index}-name`} value={matcher.name} onChange={(event) => change(index, { name: event.target.value as MatcherName })}>
                  {(Object.keys(MATCHER_LABELS) as MatcherName[]).map((name) => (
                    <option key={name} value={name}>
                      {MATCHER_LABELS[name]}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field grow">
                <label htmlFor={`silence-matcher-${index}-value`}>Value</label>
                <input
                  id={`silence-matcher-${index}-value`}
                  value={matcher.value}
                  placeholder={matcher.name === "severity" ? "critical" : "web-* (* and ? match anything)"}
                  onChange={(event) => change(index, { value: event.target.value })}
                  {...invalidProps(errors, errorId)}
                />
                <FieldError id={errorId} messages={errors} />
              </div>
              {matchers.length > 1 && (
                <button type="button" className="button button-quiet" aria-label={`Remove matcher ${index + 1}`} onClick={() => setMatchers(matchers.filter((_, at) => at !== index))}>
                  Remove
                </button>
              )}
            </div>
          );
        })}
        <FieldError id="silence-matchers-error" messages={matcherListErrors} />
        <button type="button" className="button" onClick={() => setMatchers([...matchers, { name: "server_id", value: "" }])}>
          Add matcher
        </button>
      </fieldset>

      <fieldset className="fieldset">
        <legend>When</legend>
        <div className="choice-row">
          <label className="choice">
            <input type="radio" name="silence-timing" checked={timing === "duration"} onChange={() => setTiming("duration")} />
            For a while, from now
          </label>
          <label className="choice">
            <input type="radio" name="silence-timing" checked={timing === "range"} onChange={() => setTiming("range")} />
            From a start to an end
          </label>
        </div>
        {timing === "duration" ? (
          <div className="matcher-row">
            <div className="field">
              <label htmlFor="silence-duration">Duration</label>
              <input id="silence-duration" inputMode="decimal" value={amount} onChange={(event) => setAmount(event.target.value)} {...invalidProps([...durationErrors, ...endErrors], "silence-duration-error")} />
            </div>
            <div className="field">
              <label htmlFor="silence-unit">Unit</label>
              <select id="silence-unit" value={unit} onChange={(event) => setUnit(event.target.value as Unit)}>
                {(Object.keys(UNITS) as Unit[]).map((each) => (
                  <option key={each} value={each}>
                    {each}
                  </option>
                ))}
              </select>
            </div>
            <FieldError id="silence-duration-error" messages={[...durationErrors, ...endErrors]} />
          </div>
        ) : (
          <div className="matcher-row">
            <div className="field">
              <label htmlFor="silence-start">Starts (your time; now when empty)</label>
              <input id="silence-start" type="datetime-local" value={start} onChange={(event) => setStart(event.target.value)} {...invalidProps(startErrors, "silence-start-error")} />
              <FieldError id="silence-start-error" messages={startErrors} />
            </div>
            <div className="field">
              <label htmlFor="silence-end">Ends (your time)</label>
              <input id="silence-end" type="datetime-local" value={end} onChange={(event) => setEnd(event.target.value)} {...invalidProps(endErrors, "silence-end-error")} />
              <FieldError id="silence-end-error" messages={endErrors} />
            </div>
          </div>
        )}
      </fieldset>

      <div className="field">
        <label htmlFor="silence-comment">Why</label>
        <input id="silence-comment" value={comment} placeholder="Kernel upgrade on the web tier" onChange={(event) => setComment(event.target.value)} {...invalidProps(commentErrors, "silence-comment-error")} />
        <FieldError id="silence-comment-error" messages={commentErrors} />
      </div>
      <FieldError id="silence-other-error" messages={otherErrors} />
      <div>
        <button type="submit" className="button button-primary" disabled={busy}>
          Create silence
        </button>
      </div>
    </form>
  );
}
