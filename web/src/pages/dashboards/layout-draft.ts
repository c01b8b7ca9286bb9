/**
 * A layout being edited: its name and its panels in reading order. The daemon keeps each panel's
 * place on a 12-column grid; here a panel is full or half width and the order decides the rest,
 * so positions are laid out again, row by row, when the layout is saved.
 */
import type { DashboardLayout, DashboardLayoutInput } from "../../api/types.js";

export type Panel = DashboardLayout["panels"][number];
export type PanelKind = Panel["kind"];
export type Metric = Extract<Panel, { kind: "metric_chart" }>["metric"];

export const COLUMNS = 12;
const PANEL_HEIGHT = 4;

export const KIND_NAMES: Record<PanelKind, string> = { status_grid: "Status grid", metric_chart: "Metric chart", alert_list: "Alert list" };

export const METRIC_NAMES: Record<Metric, { title: string; unit: string }> = {
  response_time_ms: { title: "Latency", unit: " ms" },
  cpu_percent: { title: "CPU", unit: " %" },
  memory_mb: { title: "Memory", unit: " MB" },
  error_rate: { title: "Failed checks", unit: " %" },
};

export interface LayoutDraft {
  /** Undefined until the layout is first saved. */
  id?: string;
  name: string;
  panels: Panel[];
}

/** A saved layout's panels in reading order: row by row, left to right. */
export function draftOf(layout: DashboardLayout): LayoutDraft {
  const panels = [...layout.panels].sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x);
  return { id: layout.id, name: layout.name, panels };
}

/** What is sent: each panel placed after the one before it, a new row when it does not fit. */
export function inputOf(draft: LayoutDraft): DashboardLayoutInput {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = draft.panels.map((panel) => {
    const { w, h } = panel.position;
    if (x + w > COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...panel, position: { x, y, w, h } };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return placed;
  });
  return { name: draft.name, panels };
}

/** The first `panel-<n>` id no panel uses. */
function freeId(panels: readonly Panel[]): string {
  const used = new Set(panels.map((panel) => panel.id));
  let n = 1;
  while (used.has(`panel-${n}`)) n++;
  return `panel-${n}`;
}

/** A new panel of `kind`: a status grid of every server, the first server's latency over an hour, or the firing alerts. */
export function newPanel(kind: PanelKind, panels: readonly Panel[], serverIds: readonly string[]): Panel {
  const id = freeId(panels);
  switch (kind) {
    case "status_grid":
      return { id, kind, title: "Servers", position: { x: 0, y: 0, w: COLUMNS, h: PANEL_HEIGHT } };
    case "metric_chart":
      return { id, kind, title: "Latency", metric: "response_time_ms", server_ids: serverIds.slice(0, 1), range: "1h", position: { x: 0, y: 0, w: COLUMNS / 2, h: PANEL_HEIGHT } };
    case "alert_list":
      return { id, kind, title: "Alerts", state: "firing", limit: 20, position: { x: 0, y: 0, w: COLUMNS / 2, h: PANEL_HEIGHT } };
  }
}

/** The panels with the one at `index` moved by `by` places (-1 up, +1 down), when it can move. */
export function moved(panels: readonly Panel[], index: number, by: -1 | 1): Panel[] {
  const target = index + by;
  if (target < 0 || target >= panels.length) return [...panels];
  const next = [...panels];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}
