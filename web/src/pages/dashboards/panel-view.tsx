/**
 * What a dashboard panel shows, live: a status grid of servers and an alert list from the live
 * store (fed by /ws), a metric chart for chosen servers from their health history, fetched again
 * as their health updates arrive (at most every LIVE_REFRESH_MS) while it shows the last hour.
 */
import { useEffect, useMemo, useState } from "react";
import uPlot from "uplot";
import { HISTORY_RANGES } from "../../api/client.js";
import type { AlertRecord, HealthHistory } from "../../api/types.js";
import { StatusBadge } from "../../components/status-badge.js";
import { Chart, stats, type ChartSpec } from "../../components/chart.js";
import { cssVar, useColorScheme } from "../../components/color-scheme.js";
import { RANGE_LABELS } from "../../format.js";
import { displayStatus, store, type DashboardState } from "../../live/store.js";
import { useHealthHistories, type RawPoint, type RollupPoint } from "../../live/use-health-histories.js";
import { METRIC_NAMES, type Metric, type Panel } from "./layout-draft.js";

/** The colours the servers of one chart are drawn in, in turn. */
const SERIES_COLOURS = ["accent", "healthy", "warning", "unknown", "critical", "offline"];

function metricOf(metric: Metric, history: HealthHistory): (number | null)[] {
  if (history.resolution === "raw") {
    const points = history.points as RawPoint[];
    if (metric === "error_rate") return points.map((point) => (point.ok ? 0 : 100));
    return points.map((point) => point[metric]);
  }
  const points = history.points as RollupPoint[];
  switch (metric) {
    case "response_time_ms":
      return points.map((point) => point.latency_avg);
    case "cpu_percent":
      return points.map((point) => point.cpu_avg);
    case "memory_mb":
      return points.map((point) => point.memory_avg);
    case "error_rate":
      return points.map((point) => (point.count > 0 ? (point.failures / point.count) * 100 : null));
  }
}

/** Each server's series on one time axis, with the instants the others have filled with nulls. */
function chartOf(panel: Extract<Panel, { kind: "metric_chart" }>, histories: HealthHistory[]): { spec: ChartSpec; times: number[]; span: [number, number] } | null {
  const drawn = histories.filter((history) => history.points.length > 0);
  if (drawn.length === 0) return null;
  const joined = uPlot.join(drawn.map((history) => [history.points.map((point) => point.at), metricOf(panel.metric, history)] as uPlot.AlignedData));
  // uPlot leaves an instant another server has as undefined in this server's column: no value there.
  const [times, ...joinedColumns] = joined as unknown as [number[], ...(number | null | undefined)[][]];
  const columns = joinedColumns.map((column) => Array.from(column, (value) => value ?? null));
  const { title, unit } = METRIC_NAMES[panel.metric];
  const series = drawn.map((history, index) => ({
    label: history.server_id,
    color: cssVar(`--${SERIES_COLOURS[index % SERIES_COLOURS.length]!}`),
    values: columns[index] ?? [],
    spanGaps: true,
  }));
  const to = Math.max(...drawn.map((history) => history.to));
  const summary = drawn.map((history, index) => `${history.server_id} ${stats(columns[index] ?? [], unit)}`).join("; ");
  return { spec: { title, unit, summary, series }, times, span: [to - HISTORY_RANGES[panel.range], to] };
}

function MetricChart({ panel }: { panel: Extract<Panel, { kind: "metric_chart" }> }) {
  const { histories, failure } = useHealthHistories(panel.server_ids, panel.range);
  const scheme = useColorScheme();

  const chart = useMemo(() => (histories ? chartOf(panel, histories) : null), [histories, panel, scheme]);

  if (failure) return <p className="field-error">The history could not be loaded: {failure}</p>;
  if (!histories) return <p className="muted">Loading…</p>;
  if (!chart) return <p className="muted empty-note">No health checks of {panel.server_ids.join(", ")} in the last {RANGE_LABELS[panel.range]}.</p>;
  return <Chart spec={chart.spec} xs={chart.times} span={chart.span} />;
}

function StatusGrid({ panel, state }: { panel: Extract<Panel, { kind: "status_grid" }>; state: DashboardState }) {
  const servers = panel.server_ids ? state.servers.filter((server) => panel.server_ids!.includes(server.id)) : state.servers;
  if (servers.length === 0) return <p className="muted empty-note">No servers to show.</p>;
  return (
    <ul className="status-grid">
      {servers.map((server) => (
        <li key={server.id} className="status-cell" data-testid={`cell-${server.id}`}>
          <span className="status-name">{server.name}</span>
          <StatusBadge status={displayStatus(server, state.health[server.id])} />
        </li>
      ))}
    </ul>
  );
}

function AlertList({ panel, state }: { panel: Extract<Panel, { kind: "alert_list" }>; state: DashboardState }) {
  const [all, setAll] = useState<AlertRecord[] | null>(null);
  // Every alert, resolved ones too, is read again whenever the firing ones change.
  useEffect(() => {
    if (panel.state !== "all") return;
    let current = true;
    store.api
      .alerts("all", panel.limit)
      .then((alerts) => current && setAll(alerts))
      .catch(() => current && setAll(null));
    return () => {
      current = false;
    };
  }, [panel.state, panel.limit, state.alerts]);
  const alerts = panel.state === "firing" ? state.alerts.slice(0, panel.limit) : (all ?? []);
  if (alerts.length === 0) return <p className="muted empty-note">{panel.state === "firing" ? "No alerts are firing." : "No alerts yet."}</p>;
  return (
    <ul className="board-alerts">
      {alerts.map((alert) => (
        <li key={alert.id} className={`board-alert board-alert-${alert.state === "firing" ? alert.severity : "resolved"}`}>
          <span className="alert-severity">{alert.state === "firing" ? alert.severity : "resolved"}</span>
          <span>{alert.summary}</span>
          <span className="muted">
            {alert.server_id} · {new Date(alert.started_at).toLocaleTimeString()}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function PanelView({ panel, state }: { panel: Panel; state: DashboardState }) {
  switch (panel.kind) {
    case "status_grid":
      return <StatusGrid panel={panel} state={state} />;
    case "metric_chart":
      return panel.server_ids.length === 0 ? <p className="muted empty-note">Choose at least one server in the settings.</p> : <MetricChart panel={panel} />;
    case "alert_list":
      return <AlertList panel={panel} state={state} />;
  }
}
