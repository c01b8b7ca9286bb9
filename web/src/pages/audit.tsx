/**
 * Audit: who did what, from where, to what, and how it ended — newest first, filtered by actor,
 * action prefix, target and time, a page at a time (older pages continue below the last entry's
 * time). The daemon answers only admins while auth is on.
 */
import { useState, type FormEvent } from "react";
import { ApiError, type FieldIssue, type Query } from "../api/client.js";
import type { AuditEntry } from "../api/types.js";
import { ApiProblem } from "../components/api-problem.js";
import { TableHead } from "../components/table-head.js";
import { store } from "../live/store.js";
import { useRequest } from "../live/use-request.js";

const PAGE_SIZES = [25, 50, 100, 200];
/** Common actions to pick from; any prefix can be typed. */
const ACTION_HINTS = ["POST /api/v1/mcp/servers", "POST /api/v1/mcp/discovery/install", "POST /mcp", "token.", "auth.", "config.reload"];

interface Filters {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
  limit: number;
}

const NO_FILTERS: Filters = { actor: "", action: "", target: "", from: "", to: "", limit: 50 };

/** Where a page starts: below the last entry of the page before (same millisecond, smaller id). */
interface Cursor {
  at: number;
  id: number;
}

/** A datetime-local value (the browser's time zone) as milliseconds, which the daemon reads unambiguously. */
function instant(local: string): string | undefined {
  if (local === "") return undefined;
  const at = new Date(local).getTime();
  return Number.isNaN(at) ? local : String(at);
}

function queryOf(filters: Filters, cursor: Cursor | null): Query {
  return {
    actor: filters.actor.trim() || undefined,
    action: filters.action.trim() || undefined,
    target: filters.target.trim() || undefined,
    from: instant(filters.from),
    to: cursor ? String(cursor.at) : instant(filters.to),
    // One more than a page tells whether an older page exists; a few more cover entries of the cursor's millisecond already shown.
    limit: filters.limit + 1 + (cursor ? 5 : 0),
  };
}

function pageOf(entries: AuditEntry[], cursor: Cursor | null, size: number): { rows: AuditEntry[]; more: boolean } {
  const fresh = cursor ? entries.filter((entry) => entry.at < cursor.at || entry.id < cursor.id) : entries;
  return { rows: fresh.slice(0, size), more: fresh.length > size };
}

function outcome(entry: AuditEntry): string {
  if (entry.ok) return entry.status === null ? "ok" : `ok · ${entry.status}`;
  return [entry.status, entry.error_code].filter((part) => part !== null).join(" · ") || "failed";
}

const FIELDS: { name: keyof Omit<Filters, "limit">; label: string; type: string; hint: string }[] = [
  { name: "actor", label: "Actor", type: "text", hint: "Token name or id, local or anonymous" },
  { name: "action", label: "Action starts with", type: "text", hint: "e.g. POST /api/v1/mcp/servers or token." },
  { name: "target", label: "Target", type: "text", hint: "Exactly, e.g. a server id" },
  { name: "from", label: "From", type: "datetime-local", hint: "Your local time" },
  { name: "to", label: "To", type: "datetime-local", hint: "Your local time" },
];

export function Audit() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [cursors, setCursors] = useState<Cursor[]>([]);
  const cursor = cursors.at(-1) ?? null;
  const log = useRequest(() => store.api.audit(queryOf(filters, cursor)), [filters, cursor]);
  const page = log.data ? pageOf(log.data, cursor, filters.limit) : null;
  const issues: FieldIssue[] = log.error instanceof ApiError ? log.error.issues : [];
  const problemOf = (name: string) => issues.find((issue) => issue.field === name)?.message;
  const refused = log.error instanceof ApiError && (log.error.forbidden || log.error.unauthorized);

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    setCursors([]);
    setFilters({ ...draft });
  };
  const clear = (): void => {
    setDraft(NO_FILTERS);
    setCursors([]);
    setFilters(NO_FILTERS);
  };
  const older = (): void => {
    const last = page?.rows.at(-1);
    if (last) setCursors((before) => [...before, { at: last.at, id: last.id }]);
  };

  return (
    <div className="stack">
      <section aria-labelledby="audit-title">
        <div className="section-head">
          <h2 id="audit-title">Audit log</h2>
          <span className="muted">Every change made through the API, the CLI and the gateway</span>
        </div>
        <form className="panel filters" onSubmit={apply} aria-label="Filter the audit log" noValidate>
          {FIELDS.map((field) => {
            const problem = problemOf(field.name);
            const id = `audit-${field.name}`;
            return (
              <div key={field.name} className="field">
                <label htmlFor={id}>{field.label}</label>
                <input
                  id={id}
                  name={field.name}
                  type={field.type}
                  value={draft[field.name]}
                  list={field.name === "action" ? "audit-actions" : undefined}
                  aria-invalid={problem !== undefined}
                  aria-describedby={problem !== undefined ? `${id}-error` : `${id}-hint`}
                  onChange={(event) => setDraft({ ...draft, [field.name]: event.target.value })}
                />
                {problem !== undefined ? (
                  <p id={`${id}-error`} className="field-error">
                    {problem}
                  </p>
                ) : (
                  <p id={`${id}-hint`} className="field-hint">
                    {field.hint}
                  </p>
                )}
              </div>
            );
          })}
          <datalist id="audit-actions">
            {ACTION_HINTS.map((hint) => (
              <option key={hint} value={hint} />
            ))}
          </datalist>
          <div className="field">
            <label htmlFor="audit-limit">Per page</label>
            <select id="audit-limit" value={draft.limit} onChange={(event) => setDraft({ ...draft, limit: Number(event.target.value) })}>
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
            </select>
          </div>
          <div className="filter-actions">
            <button type="submit" className="button button-primary">
              Apply filters
            </button>
            <button type="button" className="button" onClick={clear}>
              Clear
            </button>
          </div>
        </form>
      </section>

      {refused ? (
        <ApiProblem error={log.error} what="The audit log" needs="an admin token" />
      ) : log.error && issues.length === 0 ? (
        <ApiProblem error={log.error} what="The audit log" onRetry={log.reload} />
      ) : log.error ? (
        <p className="panel error" role="alert">
          Fix the filters marked above: {log.error instanceof Error ? log.error.message : ""}
        </p>
      ) : !page ? (
        <p className="muted">Loading…</p>
      ) : page.rows.length === 0 ? (
        <div className="panel empty">
          <p>{cursor ? "No older entries." : "No entries match these filters."}</p>
          <p className="muted">Widen the time range or clear a filter. Changes (installs, tool calls, token changes) are recorded as they happen.</p>
        </div>
      ) : (
        <section aria-labelledby="entries-title" aria-busy={log.loading}>
          <h2 id="entries-title" className="visually-hidden">
            Entries
          </h2>
          <table className="table audit-table" data-testid="audit-entries">
            <TableHead columns={["Time", "Actor", "Action", "Target", "Outcome"]} />
            <tbody>
              {page.rows.map((entry) => (
                <tr key={entry.id} data-testid="audit-entry">
                  <th scope="row" className="audit-time">
                    <time dateTime={new Date(entry.at).toISOString()}>{new Date(entry.at).toLocaleString()}</time>
                  </th>
                  <td data-label="Actor">
                    <span>
                      {entry.actor_name}
                      {entry.ip && <span className="muted server-id">{entry.ip}</span>}
                    </span>
                  </td>
                  <td data-label="Action" className="audit-action">
                    <code>{entry.action}</code>
                  </td>
                  <td data-label="Target">{entry.target ?? <span className="muted">—</span>}</td>
                  <td data-label="Outcome">
                    <span className={entry.ok ? "outcome outcome-ok" : "outcome outcome-failed"}>{outcome(entry)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {(cursors.length > 0 || page?.more) && (
        <nav className="pager" aria-label="Audit log pages">
          <button type="button" className="button" disabled={cursors.length === 0} onClick={() => setCursors((before) => before.slice(0, -1))}>
            ← Newer
          </button>
          <span className="muted">Page {cursors.length + 1}</span>
          <button type="button" className="button" disabled={!page?.more} onClick={older}>
            Older →
          </button>
        </nav>
      )}
    </div>
  );
}
