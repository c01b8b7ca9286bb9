/**
 * Edits an alert rule's condition and thresholds (a rule created through the API), or writes a
 * new one. The daemon checks the rule; its problems are shown at the fields they name.
 */
import { useState, type FormEvent, type ReactNode } from "react";
import { ApiError, type FieldIssue } from "../api/client.js";
import type { AlertRulePatch, RuleView } from "../api/types.js";
import { FieldError, invalidProps, issuesFor } from "./field-errors.js";

/** What each metric measures, as the metric list reads it (every metric the daemon knows, checked by the compiler). */
const METRICS: Record<RuleView["metric"], string> = {
  status: "health status (healthy … offline)",
  response_time_ms: "response time, ms",
  cpu_percent: "CPU, %",
  memory_mb: "memory, MB",
  error_rate: "tool call error rate, 0–1",
  consecutive_failures: "failed checks in a row",
  capabilities_changed: "capabilities changed",
  server_state: "supervisor state",
  storage_full: "daemon storage full",
  config_rejected: "config file rejected",
};

const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
const SEVERITIES = ["info", "warning", "critical"] as const;

/** What the form sends: a whole rule when creating, a patch when editing. */
export type RuleDraft = AlertRulePatch & { name: string };

/** "1000" is a number; "offline" is a word (status and state metrics compare words). */
function thresholdValue(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function RuleEditor({
  rule,
  save,
  onDone,
}: {
  /** The rule edited; a new rule when null. */
  rule: RuleView | null;
  save: (draft: RuleDraft) => Promise<RuleView>;
  onDone: (saved: RuleView | null) => void;
}) {
  const [name, setName] = useState(rule?.name ?? "");
  const [metric, setMetric] = useState<string>(rule?.metric ?? "response_time_ms");
  const [comparison, setComparison] = useState<string>(rule?.comparison ?? ">");
  const [threshold, setThreshold] = useState(rule ? String(rule.threshold) : "");
  const [holdFor, setHoldFor] = useState(String(rule?.for ?? 60));
  const [severity, setSeverity] = useState<string>(rule?.severity ?? "warning");
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const prefix = rule ? `rule-${rule.id}` : "rule-new";

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const seconds = Number(holdFor);
    const draft = {
      name,
      metric,
      comparison,
      threshold: thresholdValue(threshold),
      for: holdFor.trim() === "" || Number.isNaN(seconds) ? holdFor : seconds,
      severity,
      enabled,
    } as RuleDraft;
    setBusy(true);
    setFailure(null);
    save(draft)
      .then((saved) => onDone(saved))
      .catch((error: unknown) => {
        const fieldIssues = error instanceof ApiError ? error.issues : [];
        setIssues(fieldIssues);
        setFailure(`Not saved: ${fieldIssues.length > 0 ? "correct the fields marked below." : error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => setBusy(false));
  };

  const field = (id: string, label: string, control: (props: ReturnType<typeof invalidProps> & { id: string }) => ReactNode) => {
    const messages = issuesFor(issues, id);
    const errorId = `${prefix}-${id}-error`;
    return (
      <div className="field">
        <label htmlFor={`${prefix}-${id}`}>{label}</label>
        {control({ id: `${prefix}-${id}`, ...invalidProps(messages, errorId) })}
        <FieldError id={errorId} messages={messages} />
      </div>
    );
  };

  return (
    <form className="panel form" onSubmit={submit} aria-label={rule ? `Edit rule ${rule.name}` : "New rule"} noValidate>
      <h3>{rule ? `Edit ${rule.name}` : "New rule"}</h3>
      {failure && (
        <p className="field-error" role="alert">
          {failure}
        </p>
      )}
      <div className="form-grid">
        {field("name", "Name", (props) => <input {...props} value={name} onChange={(event) => setName(event.target.value)} />)}
        {field("metric", "Metric", (props) => (
          <select {...props} value={metric} disabled={rule !== null} onChange={(event) => setMetric(event.target.value)}>
            {Object.entries(METRICS).map(([value, text]) => (
              <option key={value} value={value}>
                {value}: {text}
              </option>
            ))}
          </select>
        ))}
        {field("comparison", "Comparison", (props) => (
          <select {...props} value={comparison} onChange={(event) => setComparison(event.target.value)}>
            {COMPARISONS.map((each) => (
              <option key={each}>{each}</option>
            ))}
          </select>
        ))}
        {field("threshold", "Threshold", (props) => <input {...props} value={threshold} placeholder="1000, or offline" onChange={(event) => setThreshold(event.target.value)} />)}
        {field("for", "For (seconds)", (props) => <input {...props} inputMode="numeric" value={holdFor} onChange={(event) => setHoldFor(event.target.value)} />)}
        {field("severity", "Severity", (props) => (
          <select {...props} value={severity} onChange={(event) => setSeverity(event.target.value)}>
            {SEVERITIES.map((each) => (
              <option key={each}>{each}</option>
            ))}
          </select>
        ))}
      </div>
      <label className="choice">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        Enabled
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {rule ? "Save rule" : "Create rule"}
        </button>
        <button type="button" className="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
