/**
 * Dashboards: the saved layouts (custom dashboards) — list them, open one (`/dashboards/<id>`),
 * start a new one, add, set up, reorder and remove panels (status grid, metric chart, alert
 * list), rename, save and delete. Panels draw from the live store, so they follow /ws events
 * while the page is open. Saving needs an operator token; the daemon's refusal, and its problems
 * with a field, are shown where they belong.
 */
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, type FieldIssue } from "../api/client.js";
import type { DashboardLayout } from "../api/types.js";
import { ApiProblem, errorText } from "../components/api-problem.js";
import { ConfirmDialog, type ConfirmRequest } from "../components/confirm-dialog.js";
import { FieldError, invalidProps, issuesFor } from "../components/field-errors.js";
import { store, type DashboardState } from "../live/store.js";
import { draftOf, inputOf, KIND_NAMES, moved, newPanel, type LayoutDraft, type Panel, type PanelKind } from "./dashboards/layout-draft.js";
import { PanelSettings } from "./dashboards/panel-settings.js";
import { PanelView } from "./dashboards/panel-view.js";

interface Props {
  state: DashboardState;
  /** The open layout's id, from the path; empty for none. */
  rest: string;
  navigate: (path: string) => void;
}

function LayoutList({ layouts, openId, onOpen }: { layouts: DashboardLayout[]; openId: string | undefined; onOpen: (id: string) => void }) {
  if (layouts.length === 0) return <p className="panel empty">No dashboards saved yet. New dashboard starts one.</p>;
  return (
    <ul className="board-list" aria-label="Saved dashboards">
      {layouts.map((layout) => (
        <li key={layout.id}>
          <a
            href={`/dashboards/${encodeURIComponent(layout.id)}`}
            className="board-link"
            aria-current={layout.id === openId ? "page" : undefined}
            onClick={(event) => {
              event.preventDefault();
              onOpen(layout.id);
            }}
          >
            {layout.name}
          </a>
          <span className="muted">
            {layout.panels.length} {layout.panels.length === 1 ? "panel" : "panels"}
          </span>
        </li>
      ))}
    </ul>
  );
}

export default function Dashboards({ state, rest, navigate }: Props) {
  const [layouts, setLayouts] = useState<DashboardLayout[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [draft, setDraft] = useState<LayoutDraft | null>(null);
  const [addKind, setAddKind] = useState<PanelKind>("status_grid");
  /** Panels whose settings are open: new ones, and those opened by hand. */
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const load = (): void => {
    store.api
      .dashboards()
      .then((list) => (setLayouts(list), setLoadError(null)))
      .catch((error: unknown) => setLoadError(error));
  };
  useEffect(load, []);

  // The path names the layout that is open; a new one is not in the path until it is saved.
  useEffect(() => {
    if (!layouts || rest === "" || draft?.id === rest) return;
    const layout = layouts.find((each) => each.id === rest);
    if (layout) edit(draftOf(layout));
  }, [layouts, rest]);

  const edit = (next: LayoutDraft): void => {
    setDraft(next);
    setOpen(new Set());
    setIssues([]);
    setSaveError(null);
    setSaved(null);
  };

  const change = (patch: Partial<LayoutDraft>): void => {
    if (!draft) return;
    setDraft({ ...draft, ...patch });
    setSaved(null);
  };

  const setPanel = (index: number, panel: Panel): void => change({ panels: draft!.panels.map((each, at) => (at === index ? panel : each)) });

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!draft) return;
    setBusy(true);
    setSaveError(null);
    setSaved(null);
    try {
      const layout = await store.api.saveDashboard(inputOf(draft), draft.id);
      setLayouts((list) => [...(list ?? []).filter((each) => each.id !== layout.id), layout].sort((a, b) => a.name.localeCompare(b.name)));
      setDraft(draftOf(layout));
      setIssues([]);
      setSaved(`Saved ${layout.name}.`);
      navigate(`/dashboards/${encodeURIComponent(layout.id)}`);
    } catch (error) {
      const problems = error instanceof ApiError ? error.issues : [];
      setIssues(problems);
      setSaveError(error);
      // A panel the daemon found a problem with shows its settings, where the problem is named.
      const withProblems = draft.panels.filter((_, index) => problems.some((issue) => issue.field.startsWith(`panels[${index}]`)));
      setOpen(new Set([...open, ...withProblems.map((panel) => panel.id)]));
    } finally {
      setBusy(false);
    }
  };

  const remove = (): void => {
    if (!draft?.id) return;
    const { id, name } = draft;
    setConfirm({
      title: `Delete ${name}?`,
      body: "The layout is deleted for everyone who opens the dashboard. The servers and their data stay.",
      confirmLabel: "Delete",
      danger: true,
      onConfirm: () => {
        store.api
          .deleteDashboard(id)
          .then(() => {
            setLayouts((list) => (list ?? []).filter((each) => each.id !== id));
            setDraft(null);
            navigate("/dashboards");
          })
          .catch((error: unknown) => setSaveError(error));
      },
    });
  };

  const nameProblems = issuesFor(issues, "name");
  const panelsProblems = issuesFor(issues, "panels");
  const serverIds = state.servers.map((server) => server.id);
  // A problem the fields do not show (or a refusal) is said above the Save button.
  const unplaced = saveError !== null && issues.length === 0;

  return (
    <div className="stack">
      <section aria-labelledby="boards-title">
        <div className="section-head">
          <h2 id="boards-title">Dashboards</h2>
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              edit({ name: "", panels: [] });
              navigate("/dashboards");
            }}
          >
            New dashboard
          </button>
        </div>
        {loadError !== null && <ApiProblem error={loadError} what="The saved dashboards" onRetry={load} />}
        {layouts && <LayoutList layouts={layouts} openId={draft?.id} onOpen={(id) => navigate(`/dashboards/${encodeURIComponent(id)}`)} />}
        {!layouts && loadError === null && (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
      </section>

      {draft && (
        <form className="panel form board-editor" aria-labelledby="editor-title" onSubmit={(event) => void save(event)} noValidate>
          <h2 id="editor-title">{draft.id ? draft.name || "Untitled dashboard" : "New dashboard"}</h2>
          <div className="field">
            <label htmlFor="board-name">Name</label>
            <input id="board-name" value={draft.name} onChange={(event) => change({ name: event.target.value })} {...invalidProps(nameProblems, "board-name-error")} />
            <FieldError id="board-name-error" messages={nameProblems} />
          </div>

          <div className="board-add">
            <div className="field">
              <label htmlFor="board-add-kind">New panel</label>
              <select id="board-add-kind" value={addKind} onChange={(event) => setAddKind(event.target.value as PanelKind)}>
                {(Object.keys(KIND_NAMES) as PanelKind[]).map((kind) => (
                  <option key={kind} value={kind}>
                    {KIND_NAMES[kind]}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="button"
              className="button"
              onClick={() => {
                const panel = newPanel(addKind, draft.panels, serverIds);
                change({ panels: [...draft.panels, panel] });
                setOpen(new Set([...open, panel.id]));
              }}
            >
              Add panel
            </button>
          </div>
          <FieldError id="board-panels-error" messages={panelsProblems} />

          {draft.panels.length === 0 ? (
            <p className="muted empty-note">No panels yet: choose a kind and Add panel.</p>
          ) : (
            <ol className="board-grid" aria-label="Panels">
              {draft.panels.map((panel, index) => {
                const title = panel.title || KIND_NAMES[panel.kind];
                return (
                  <li key={panel.id} className={`board-panel ${panel.position.w >= 12 ? "board-panel-full" : "board-panel-half"}`} data-testid={`panel-${index}`} data-kind={panel.kind}>
                    <div className="section-head">
                      <h3>{title}</h3>
                      <button
                        type="button"
                        className="button button-quiet"
                        aria-expanded={open.has(panel.id)}
                        aria-controls={`${panel.id}-settings`}
                        aria-label={`Settings of ${title}`}
                        onClick={() => setOpen(open.has(panel.id) ? new Set([...open].filter((id) => id !== panel.id)) : new Set([...open, panel.id]))}
                      >
                        Settings
                      </button>
                    </div>
                    <div id={`${panel.id}-settings`} hidden={!open.has(panel.id)}>
                      <PanelSettings
                        panel={panel}
                        index={index}
                        count={draft.panels.length}
                        servers={state.servers}
                        issues={issues}
                        onChange={(next) => setPanel(index, next)}
                        onMove={(by) => change({ panels: moved(draft.panels, index, by) })}
                        onRemove={() => change({ panels: draft.panels.filter((each) => each.id !== panel.id) })}
                      />
                    </div>
                    <PanelView panel={panel} state={state} />
                  </li>
                );
              })}
            </ol>
          )}

          {unplaced && (saveError instanceof ApiError && saveError.forbidden ? <ApiProblem error={saveError} what="Saving a dashboard" needs="an operator token" /> : <p className="panel error" role="alert">The dashboard was not saved: {errorText(saveError)}</p>)}
          {issues.length > 0 && (
            <p className="field-error" role="alert">
              The dashboard was not saved: {issues.length === 1 ? "one field needs" : `${issues.length} fields need`} attention.
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? "Saving…" : "Save"}
            </button>
            {draft.id && (
              <button type="button" className="button button-delete" onClick={remove}>
                Delete
              </button>
            )}
            <span className="muted" role="status" data-testid="board-saved">
              {saved}
            </span>
          </div>
        </form>
      )}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}
