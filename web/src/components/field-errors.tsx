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
