/**
 * Alerts: what fires now (acknowledge, silence), what resolved lately, silences and maintenance
 * windows (create, expire), and the rules with an editor for their thresholds. The firing list
 * follows the live store (/ws alert and health events); the rest reloads when it changes.
 */
import { useCallback, useEffect, useState } from "react";
import type { AlertRecord, RuleView, SilenceView } from "../api/types.js";
import { ConfirmDialog, type ConfirmRequest } from "../components/confirm-dialog.js";
import { RuleEditor, type RuleDraft } from "../components/rule-editor.js";
import { SilenceForm, type MatcherDraft } from "../components/silence-form.js";
import { store, type DashboardState } from "../live/store.js";

const RESOLVED_SHOWN = 20;
/** Who acknowledges and silences, as recorded while auth is off (with auth on, the token's name is). */
const ACTOR = "dashboard";

function when(at: number | string): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function ruleName(alert: AlertRecord): string {
  return alert.labels.rule_name ?? alert.rule_id;
}

function matchersText(silence: SilenceView): string {
  return silence.matchers.map((matcher) => `${matcher.name} ${matcher.glob ? "~" : "="} ${matcher.value}`).join(", ");
}

function silenceWhen(silence: SilenceView): string {
  const until = silence.ends_at ? when(silence.ends_at) : "no end";
  if (!silence.window) return `${when(silence.starts_at)} – ${until}`;
  const hours = Math.round((silence.window.duration / 3600) * 10) / 10;
  return `${silence.window.days.join(", ")} at ${silence.window.start} for ${hours} h (${silence.window.time_zone}), until ${until}`;
}

/** "Silenced until 1:31 PM · not notified", or without the end when the silence is not (yet) in the list. */
function silencedText(silence: SilenceView | undefined): string {
  const until = silence?.next_change_at ?? silence?.ends_at;
  const short = until && new Date(until).toLocaleString(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  return short ? `Silenced until ${short} · not notified` : "Silenced · not notified";
}

const RULE_COLUMNS = ["Rule", "Condition", "For", "Severity", "Source", "Actions"] as const;

const SOURCE_TEXT: Record<RuleView["source"], string> = { default: "built in", config: "config file", api: "dashboard / API" };

export function Alerts({ state }: { state: DashboardState }) {
  const [alerts, setAlerts] = useState<AlertRecord[] | null>(null);
  const [silences, setSilences] = useState<SilenceView[] | null>(null);
  const [rules, setRules] = useState<RuleView[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [silenceSeed, setSilenceSeed] = useState<{ key: number; matchers: MatcherDraft[] }>({ key: 0, matchers: [{ name: "server_id", value: "" }] });
  const [editing, setEditing] = useState<RuleView | "new" | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const fail = (what: string) => (error: unknown) => setFailure(`${what}: ${error instanceof Error ? error.message : String(error)}`);

  const loadSilences = useCallback(() => {
    store.api.silences().then(setSilences, fail("Silences could not be loaded"));
  }, []);

  const loadAlerts = useCallback(() => {
    store.api.alerts("all", 100).then(setAlerts, fail("Alerts could not be loaded"));
  }, []);

  // The live store refreshes firing alerts on every alert and health event: follow it.
  useEffect(loadAlerts, [state.alerts, loadAlerts]);
  useEffect(() => {
    loadSilences();
    store.api.alertRules().then(setRules, fail("Rules could not be loaded"));
  }, [loadSilences]);

  const firing = alerts?.filter((alert) => alert.state === "firing") ?? [];
  const resolved = alerts?.filter((alert) => alert.state === "resolved").slice(0, RESOLVED_SHOWN) ?? [];
  const silencedCount = firing.filter((alert) => alert.silenced_by !== null).length;

  const acknowledge = (alert: AlertRecord): void => {
    store.api.ackAlert(alert.id, ACTOR).then(
      (acked) => setAlerts((current) => current?.map((each) => (each.id === acked.id ? acked : each)) ?? null),
      fail(`Acknowledging ${ruleName(alert)} failed`),
    );
  };

  const silenceLike = (alert: AlertRecord): void => {
    setSilenceSeed({
      key: silenceSeed.key + 1,
      matchers: [
        { name: "server_id", value: alert.server_id },
        { name: "rule_id", value: alert.rule_id },
      ],
    });
    requestAnimationFrame(() => document.getElementById("silence-comment")?.focus());
  };

  const expire = (silence: SilenceView): void => {
    setConfirm({
      title: "Expire silence",
      body: `Expire the silence of ${matchersText(silence)} now? Matching alerts that still fire are notified.`,
      confirmLabel: "Expire",
      danger: true,
      onConfirm: () => {
        store.api.expireSilence(silence.id).then(() => {
          setNotice(`Silence of ${matchersText(silence)} expired.`);
          loadSilences();
          loadAlerts();
        }, fail("Expiring the silence failed"));
      },
    });
  };

  const saveRule = (draft: RuleDraft): Promise<RuleView> =>
    editing === "new" || editing === null
      ? store.api.createAlertRule({ ...draft, name: draft.name, metric: draft.metric ?? "status", comparison: draft.comparison ?? "==", threshold: draft.threshold ?? "" })
      : store.api.updateAlertRule(editing.id, draft);

  return (
    <section aria-labelledby="alerts-title" className="stack">
      <div className="section-head">
        <h2 id="alerts-title">Alerts</h2>
        <span className="muted" data-testid="alerts-counts">
          {firing.length} firing{silencedCount > 0 ? `, ${silencedCount} silenced` : ""}
        </span>
      </div>
      {failure && (
        <div className="panel error" role="alert">
          <p>{failure}</p>
          <button type="button" className="button" onClick={() => setFailure(null)}>
            Dismiss
          </button>
        </div>
      )}
      {notice && (
        <p className="panel notice" role="status">
          {notice}
        </p>
      )}

      <section aria-labelledby="firing-title">
        <h2 id="firing-title">Firing</h2>
        {alerts === null ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : firing.length === 0 ? (
          <div className="panel empty">
            <p>Nothing is firing.</p>
            <p className="muted">An alert appears here as soon as a rule below holds for a server. Tune the rules, or silence what you expect during maintenance.</p>
          </div>
        ) : (
          <ul className="alerts">
            {firing.map((alert) => (
              <li key={alert.id} className={`alert alert-${alert.severity}`} data-testid={`alert-${alert.id}`} data-server={alert.server_id}>
                <span className="alert-severity">{alert.severity}</span>
                <div className="alert-body">
                  <p>
                    <strong>{ruleName(alert)}</strong> on <span className="mono">{alert.server_id}</span>
                  </p>
                  <p className="muted">{alert.summary}</p>
                  <p className="alert-meta">
                    <span className="muted">since {when(alert.started_at)}</span>
                    {alert.acked_at !== null && (
                      <span className="tag" data-testid="acked">
                        Acknowledged by {alert.acked_by}
                      </span>
                    )}
                    {alert.silenced_by !== null && (
                      <span className="tag tag-silenced" data-testid="silenced" title={`Silence ${alert.silenced_by}`}>
                        {silencedText(silences?.find((silence) => silence.id === alert.silenced_by))}
                      </span>
                    )}
                  </p>
                </div>
                <div className="actions">
                  {alert.acked_at === null && (
                    <button type="button" className="button" aria-label={`Acknowledge ${ruleName(alert)} on ${alert.server_id}`} onClick={() => acknowledge(alert)}>
                      Acknowledge
                    </button>
                  )}
                  <button type="button" className="button" aria-label={`Silence ${ruleName(alert)} on ${alert.server_id}`} onClick={() => silenceLike(alert)}>
                    Silence…
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="silences-title" className="stack-tight">
        <h2 id="silences-title">Silences and maintenance windows</h2>
        {silences !== null && silences.length === 0 && (
          <div className="panel empty">
            <p>No silences.</p>
            <p className="muted">Create one below before planned work, so the alerts it raises are recorded but nobody is paged.</p>
          </div>
        )}
        {silences !== null && silences.length > 0 && (
          <ul className="silences">
            {silences.map((silence) => (
              <li key={silence.id} className="panel silence" data-testid={`silence-${silence.id}`}>
                <div className="silence-head">
                  <span className={`tag tag-${silence.state}`}>{silence.state}</span>
                  <span className="mono">{matchersText(silence)}</span>
                </div>
                <p className="muted">{silenceWhen(silence)}</p>
                <p>
                  {silence.comment} <span className="muted">— {silence.created_by}</span>
                </p>
                {silence.state !== "expired" && (
                  <div>
                    <button type="button" className="button" aria-label={`Expire silence of ${matchersText(silence)}`} onClick={() => expire(silence)}>
                      Expire now
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        <SilenceForm
          key={silenceSeed.key}
          initial={silenceSeed.matchers}
          create={(silence) => store.api.createSilence({ ...silence, created_by: ACTOR })}
          onCreated={(created) => {
            setNotice(`Silence of ${matchersText(created)} created (${created.state}).`);
            loadSilences();
            loadAlerts();
          }}
        />
      </section>

      <section aria-labelledby="resolved-title">
        <h2 id="resolved-title">Resolved lately</h2>
        {resolved.length === 0 ? (
          <div className="panel empty">
            <p>No resolved alerts yet.</p>
            <p className="muted">Alerts move here once their condition clears; they are kept for alerts.history_retention_days.</p>
          </div>
        ) : (
          <ul className="alerts">
            {resolved.map((alert) => (
              <li key={alert.id} className="alert alert-resolved">
                <span className="alert-severity">resolved</span>
                <div className="alert-body">
                  <p>
                    <strong>{ruleName(alert)}</strong> on <span className="mono">{alert.server_id}</span>
                  </p>
                  <p className="muted">
                    {when(alert.started_at)} – {alert.resolved_at === null ? "" : when(alert.resolved_at)} · {alert.labels.resolution ?? "recovered"}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="rules-title" className="stack-tight">
        <div className="section-head">
          <h2 id="rules-title">Rules</h2>
          <button type="button" className="button" onClick={() => setEditing("new")}>
            New rule
          </button>
        </div>
        {editing !== null && (
          <RuleEditor
            key={editing === "new" ? "new" : editing.id}
            rule={editing === "new" ? null : editing}
            save={saveRule}
            onDone={(saved) => {
              setEditing(null);
              if (saved) {
                setNotice(`Rule ${saved.name} saved.`);
                store.api.alertRules().then(setRules, fail("Rules could not be loaded"));
              }
            }}
          />
        )}
        {rules !== null && (
          <table className="table">
            <thead>
              <tr>
                {RULE_COLUMNS.map((column) => (
                  <th scope="col" key={column}>
                    {column === "Actions" ? <span className="visually-hidden">{column}</span> : column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rules.map((rule) => (
                <tr key={rule.id} data-testid={`rule-${rule.id}`}>
                  <th scope="row">
                    <span className="server-name">{rule.name}</span>
                    <span className="muted server-id">{rule.id}</span>
                  </th>
                  <td data-label="Condition" className="mono">
                    {rule.metric} {rule.comparison} {String(rule.threshold)}
                  </td>
                  <td data-label="For">{rule.for} s</td>
                  <td data-label="Severity">{rule.severity}</td>
                  <td data-label="Source">
                    {SOURCE_TEXT[rule.source]}
                    {!rule.enabled && <span className="muted"> (disabled)</span>}
                  </td>
                  <td className="actions">
                    {rule.source === "api" ? (
                      <button type="button" className="button" aria-label={`Edit rule ${rule.name}`} onClick={() => setEditing(rule)}>
                        Edit
                      </button>
                    ) : (
                      <span className="muted">{rule.source === "config" ? "edit the config file" : "read-only"}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}
