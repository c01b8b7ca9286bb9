/**
 * What happened to a server: its output tail, its lifecycle events, changes in what it serves
 * and the tools the gateway holds until an admin approves them (with the diff, and Approve).
 */
import { useLayoutEffect, useRef, useState } from "react";
import type { Approvals, CapabilityChanges, LogsBody, ServerEventsBody } from "../../api/types.js";
import { formatInstant } from "../../format.js";
import { store } from "../../live/store.js";

export type LogLine = LogsBody["lines"][number];
type ServerEvent = ServerEventsBody["events"][number];
type Pending = Approvals["pending"][number];

export function OutputTail({ lines, failure }: { lines: LogLine[]; failure: string | null }) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  return (
    <section className="panel stack-tight" aria-labelledby="output-title">
      <div className="section-head">
        <h3 id="output-title">Output</h3>
        <span className="muted small">stderr and daemon notes, live</span>
      </div>
      {failure && <p className="field-error">{failure}</p>}
      <div
        ref={ref}
        className="log"
        role="log"
        aria-labelledby="output-title"
        tabIndex={0}
        data-testid="log"
        onScroll={(event) => {
          const element = event.currentTarget;
          pinned.current = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
        }}
      >
        {lines.length === 0 ? (
          <p className="muted">Nothing written yet. A server writes its errors and notices here (stderr).</p>
        ) : (
          lines.map((line, index) => (
            <div key={index} className={`log-line log-${line.stream}`}>
              <time className="log-time" dateTime={new Date(line.at).toISOString()}>
                {new Date(line.at).toLocaleTimeString()}
              </time>
              <span className="log-stream">{line.stream}</span>
              <span className="log-text">{line.line}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}

const EVENT_WORDS: Record<ServerEvent["kind"], { text: string; tone: string }> = {
  started: { text: "Started", tone: "healthy" },
  restarted: { text: "Restarted", tone: "warning" },
  exited: { text: "Exited", tone: "critical" },
  stopped: { text: "Stopped", tone: "offline" },
  failed: { text: "Failed", tone: "critical" },
  crash_loop: { text: "Crash loop", tone: "critical" },
  unclean_shutdown: { text: "Daemon stopped uncleanly", tone: "warning" },
};

export function LifecycleEvents({ events }: { events: ServerEvent[] | null }) {
  return (
    <section className="panel stack-tight" aria-labelledby="events-title">
      <h3 id="events-title">Lifecycle</h3>
      {events === null ? (
        <p className="muted">Loading…</p>
      ) : events.length === 0 ? (
        <p className="muted empty-note">No starts, stops or exits recorded yet.</p>
      ) : (
        <ol className="timeline" data-testid="events">
          {events.map((event) => {
            const words = EVENT_WORDS[event.kind];
            const exit = [event.exit_code !== null ? `exit code ${event.exit_code}` : null, event.signal ? `signal ${event.signal}` : null].filter(Boolean).join(", ");
            return (
              <li key={event.id} className={`timeline-item tone-${words.tone}`}>
                <span className="timeline-dot" aria-hidden="true" />
                <div>
                  <span className="item-name">{words.text}</span>
                  {exit && <span className="muted small"> · {exit}</span>}
                  {event.detail && <p className="muted small">{event.detail}</p>}
                </div>
                <time className="muted small" dateTime={new Date(event.at).toISOString()}>
                  {formatInstant(event.at)}
                </time>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function reasonText(reason: Pending["reasons"][number]): string {
  switch (reason.kind) {
    case "changed":
      return `definition changed (${reason.fields.join(", ")})`;
    case "added":
      return "new tool on a server whose tools were approved";
    case "suspicious":
      return `looks suspicious: ${reason.flags.map((flag) => `${flag.detail} in ${flag.field}`).join("; ")}`;
  }
}

function HeldTool({ pending, onApproved }: { pending: Pending; onApproved: () => void }) {
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const approve = (): void => {
    setBusy(true);
    setFailure(null);
    store.api
      .approve(pending.server_id, pending.tool, pending.hash)
      .then(onApproved)
      .catch((error: unknown) => setFailure(error instanceof Error ? error.message : String(error)))
      .finally(() => setBusy(false));
  };
  return (
    <li className="held" data-testid={`held-${pending.tool}`}>
      <div className="held-head">
        <div>
          <span className="item-name">{pending.tool}</span> <span className="pill pill-warning">awaiting approval</span>
          <p className="muted small">{pending.reasons.map(reasonText).join("; ")}</p>
        </div>
        <button type="button" className="button button-primary" disabled={busy} onClick={approve} aria-label={`Approve ${pending.tool}`}>
          Approve
        </button>
      </div>
      {pending.diff?.description && (
        <p className="diff-text" aria-label="Description, before and after">
          {pending.diff.description.map((part, index) =>
            part.op === "-" ? <del key={index}>{part.text}</del> : part.op === "+" ? <ins key={index}>{part.text}</ins> : <span key={index}>{part.text}</span>,
          )}
        </p>
      )}
      {pending.diff && pending.diff.changes.length > 0 && (
        <ul className="diff-changes">
          {pending.diff.changes.map((change) => (
            <li key={change.path}>
              <code>{change.path}</code> {change.change}
              {change.before !== undefined && <del className="diff-value">{change.before}</del>}
              {change.after !== undefined && <ins className="diff-value">{change.after}</ins>}
            </li>
          ))}
        </ul>
      )}
      {failure && (
        <p className="field-error" role="alert">
          {failure}
        </p>
      )}
    </li>
  );
}

function refs(list: { kind: string; name: string }[]): string {
  return list.map((each) => `${each.kind} ${each.name}`).join(", ");
}

export function CapabilityChangesPanel({ changes, pending, onApproved }: { changes: CapabilityChanges["changes"] | null; pending: Pending[]; onApproved: () => void }) {
  return (
    <section className="panel stack-tight" aria-labelledby="changes-title">
      <h3 id="changes-title">Capability changes</h3>
      {pending.length > 0 && (
        <div className="stack-tight">
          <p className="small">
            Gateway clients cannot use {pending.length === 1 ? "this tool" : "these tools"} until an admin approves the definition it serves now.
          </p>
          <ul className="held-list" data-testid="held-tools">
            {pending.map((each) => (
              <HeldTool key={`${each.tool}/${each.hash}`} pending={each} onApproved={onApproved} />
            ))}
          </ul>
        </div>
      )}
      {changes === null ? (
        <p className="muted">Loading…</p>
      ) : changes.length === 0 ? (
        <p className="muted empty-note">No changes seen: the server serves what it served when first checked.</p>
      ) : (
        <ol className="timeline" data-testid="capability-changes">
          {changes.map((change) => (
            <li key={`${change.at}/${change.fingerprint}`} className="timeline-item tone-warning">
              <span className="timeline-dot" aria-hidden="true" />
              <div className="change">
                {change.added.length > 0 && <p className="diff-add">+ added {refs(change.added)}</p>}
                {change.removed.length > 0 && <p className="diff-remove">− removed {refs(change.removed)}</p>}
                {change.changed.map((each) => (
                  <p key={`${each.kind}/${each.name}`} className="diff-change">
                    ~ {each.kind} {each.name}: {each.fields.join(", ")} changed
                  </p>
                ))}
              </div>
              <time className="muted small" dateTime={new Date(change.at).toISOString()}>
                {formatInstant(change.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
