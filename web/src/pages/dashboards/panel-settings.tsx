/**
 * One panel's settings in the layout editor: title, width, what it shows (servers, metric, range,
 * alerts), and its place among the others. The daemon's problems with a field are shown at it.
 */
import type { FieldIssue } from "../../api/client.js";
import type { ServerView } from "../../api/types.js";
import { FieldError, invalidProps, issuesFor } from "../../components/field-errors.js";
import { RANGE_LABELS } from "../../format.js";
import { COLUMNS, KIND_NAMES, METRIC_NAMES, type Metric, type Panel } from "./layout-draft.js";

interface PanelSettingsProps {
  panel: Panel;
  index: number;
  count: number;
  servers: ServerView[];
  /** The daemon's problems with this panel's fields, named `panels[<index>]...`. */
  issues: FieldIssue[];
  onChange: (panel: Panel) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}

function ServerChoices({
  legend,
  hint,
  chosen,
  servers,
  onChange,
  messages,
  errorId,
}: {
  legend: string;
  hint: string;
  chosen: readonly string[];
  servers: ServerView[];
  onChange: (ids: string[]) => void;
  messages: string[];
  errorId: string;
}) {
  return (
    <fieldset className="fieldset board-servers" aria-describedby={messages.length > 0 ? errorId : undefined}>
      <legend>{legend}</legend>
      <p className="field-hint">{hint}</p>
      {servers.map((server) => (
        <label key={server.id} className="field-check">
          <input
            type="checkbox"
            checked={chosen.includes(server.id)}
            onChange={(event) => onChange(event.target.checked ? [...chosen, server.id] : chosen.filter((id) => id !== server.id))}
          />
          {server.name}
        </label>
      ))}
      <FieldError id={errorId} messages={messages} />
    </fieldset>
  );
}

export function PanelSettings({ panel, index, count, servers, issues, onChange, onMove, onRemove }: PanelSettingsProps) {
  const field = (name: string): string => `panels[${index}].${name}`;
  const id = (name: string): string => `${panel.id}-${name}`;
  const titleProblems = issuesFor(issues, field("title"));
  const serverProblems = issuesFor(issues, field("server_ids"), true);
  const shown = new Set([field("title"), field("server_ids")]);
  const otherProblems = issues
    .filter((issue) => (issue.field === `panels[${index}]` || issue.field.startsWith(`panels[${index}].`)) && !shown.has(issue.field) && !issue.field.startsWith(`${field("server_ids")}[`))
    .map((issue) => `${issue.field.slice(`panels[${index}].`.length) || "panel"}: ${issue.message}`);
  const name = panel.title || KIND_NAMES[panel.kind];

  return (
    <div className="board-settings">
      <div className="board-settings-row">
        <div className="field">
          <label htmlFor={id("title")}>Title</label>
          <input id={id("title")} value={panel.title ?? ""} onChange={(event) => onChange({ ...panel, title: event.target.value })} {...invalidProps(titleProblems, id("title-error"))} />
          <FieldError id={id("title-error")} messages={titleProblems} />
        </div>
        <div className="field">
          <label htmlFor={id("width")}>Width</label>
          <select id={id("width")} value={panel.position.w === COLUMNS ? "full" : "half"} onChange={(event) => onChange({ ...panel, position: { ...panel.position, w: event.target.value === "full" ? COLUMNS : COLUMNS / 2 } })}>
            <option value="full">Full width</option>
            <option value="half">Half width</option>
          </select>
        </div>
        {panel.kind === "metric_chart" && (
          <>
            <div className="field">
              <label htmlFor={id("metric")}>Metric</label>
              <select id={id("metric")} value={panel.metric} onChange={(event) => onChange({ ...panel, metric: event.target.value as Metric })}>
                {(Object.keys(METRIC_NAMES) as Metric[]).map((metric) => (
                  <option key={metric} value={metric}>
                    {METRIC_NAMES[metric].title}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={id("range")}>Range</label>
              <select id={id("range")} value={panel.range} onChange={(event) => onChange({ ...panel, range: event.target.value as typeof panel.range })}>
                {(Object.keys(RANGE_LABELS) as (keyof typeof RANGE_LABELS)[]).map((range) => (
                  <option key={range} value={range}>
                    {RANGE_LABELS[range]}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
        {panel.kind === "alert_list" && (
          <>
            <div className="field">
              <label htmlFor={id("state")}>Show</label>
              <select id={id("state")} value={panel.state} onChange={(event) => onChange({ ...panel, state: event.target.value === "all" ? "all" : "firing" })}>
                <option value="firing">Firing alerts</option>
                <option value="all">All alerts</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor={id("limit")}>At most</label>
              <input id={id("limit")} type="number" min={1} max={100} value={panel.limit} onChange={(event) => onChange({ ...panel, limit: Number(event.target.value) })} />
            </div>
          </>
        )}
      </div>
      {panel.kind === "status_grid" && (
        <ServerChoices
          legend="Servers"
          hint="None chosen: every server."
          chosen={panel.server_ids ?? []}
          servers={servers}
          onChange={(ids) => onChange({ ...panel, server_ids: ids.length === 0 ? undefined : ids })}
          messages={serverProblems}
          errorId={id("servers-error")}
        />
      )}
      {panel.kind === "metric_chart" && (
        <ServerChoices
          legend="Servers"
          hint="One to ten servers, one line each."
          chosen={panel.server_ids}
          servers={servers}
          onChange={(ids) => onChange({ ...panel, server_ids: ids })}
          messages={serverProblems}
          errorId={id("servers-error")}
        />
      )}
      <FieldError id={id("error")} messages={otherProblems} />
      <div className="form-actions">
        <button type="button" className="button" disabled={index === 0} onClick={() => onMove(-1)}>
          Move <span className="visually-hidden">{name} </span>up
        </button>
        <button type="button" className="button" disabled={index === count - 1} onClick={() => onMove(1)}>
          Move <span className="visually-hidden">{name} </span>down
        </button>
        <button type="button" className="button button-delete" aria-label={`Remove ${name}`} onClick={onRemove}>
          Remove
        </button>
      </div>
    </div>
  );
}
