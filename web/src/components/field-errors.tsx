/** The daemon's field problems shown at their fields: each control names its error (aria-describedby) and says it is invalid. */
import type { FieldIssue } from "../api/client.js";

/** The messages for one field, or for every field under a prefix (`matchers` takes `matchers[0].value` too). */
export function issuesFor(issues: readonly FieldIssue[], field: string, nested = false): string[] {
  return issues
    .filter((issue) => issue.field === field || (nested && (issue.field.startsWith(`${field}[`) || issue.field.startsWith(`${field}.`))))
    .map((issue) => issue.message);
}

/** Props for a control whose problems are shown by <FieldError id={errorId}>. */
export function invalidProps(messages: readonly string[], errorId: string): { "aria-invalid"?: true; "aria-describedby"?: string } {
  return messages.length > 0 ? { "aria-invalid": true, "aria-describedby": errorId } : {};
}

export function FieldError({ id, messages }: { id: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <p className="field-error" id={id}>
      {messages.join("; ")}
    </p>
  );
}

/** Why a form was refused, at its top. */
export function FormFailure({ text }: { text: string | null }) {
  if (text === null) return null;
  return (
    <p className="field-error" role="alert">
      {text}
    </p>
  );
}

/** A labelled one-line field with its problems from the daemon under it. */
export function TextField({
  id,
  label,
  value,
  onChange,
  messages,
  placeholder,
  inputMode,
  type,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  messages: readonly string[];
  placeholder?: string;
  inputMode?: "numeric" | "decimal";
  type?: "url";
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} inputMode={inputMode} value={value} placeholder={placeholder} onChange={(event) => onChange(event.target.value)} {...invalidProps(messages, `${id}-error`)} />
      <FieldError id={`${id}-error`} messages={messages} />
    </div>
  );
}
