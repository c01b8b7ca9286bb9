/**
 * A server's health over 1 h, 24 h, 7 d or 30 d, from the history endpoint (raw samples for the
 * last hour, minute or hour rollups further back): latency, CPU, memory and a status timeline,
 * drawn by uPlot. Each chart has a text summary for screen readers; the last hour refreshes as
 * health updates arrive.
 */
import { useMemo, useState } from "react";
import { HISTORY_RANGES, type HistoryRange } from "../../api/client.js";
import type { HealthHistory, HealthStatus } from "../../api/types.js";
import { Chart, stats, type ChartSpec } from "../../components/chart.js";
import { cssVar, useColorScheme } from "../../components/color-scheme.js";
import { RANGE_LABELS } from "../../format.js";
import { useHealthHistories, type RawPoint, type RollupPoint } from "../../live/use-health-histories.js";

const STATUSES: HealthStatus[] = ["healthy", "warning", "critical", "offline", "unknown"];

function chartsOf(history: HealthHistory): { times: number[]; span: [number, number]; specs: ChartSpec[] } {
  const color = (name: string): string => cssVar(`--${name}`);
  if (history.resolution === "raw") {
    const points = history.points as RawPoint[];
    const latency = points.map((point) => point.response_time_ms);
    const cpu = points.map((point) => point.cpu_percent);
    const memory = points.map((point) => point.memory_mb);
    const failed = points.filter((point) => !point.ok).length;
    return {
      times: points.map((point) => point.at),
      span: [history.from, history.to],
      specs: [
        { title: "Latency", unit: " ms", summary: stats(latency, " ms"), series: [{ label: "Response time", color: color("accent"), values: latency }] },
        { title: "CPU", unit: " %", summary: stats(cpu, " %"), series: [{ label: "CPU", color: color("unknown"), values: cpu }] },
        { title: "Memory", unit: " MB", summary: stats(memory, " MB"), series: [{ label: "Memory (RSS)", color: color("healthy"), values: memory }] },
        {
          title: "Status",
          unit: "",
          summary: `${points.length} checks, ${failed} failed`,
          range: [0, 1],
          noAxis: true,
          series: STATUSES.map((status) => ({
            label: status,
            color: color(status),
            bars: true,
            values: points.map((point) => (point.status === status ? 1 : null)),
          })).filter((series) => series.values.some((value) => value !== null)),
        },
      ],
    };
  }
  const points = history.points as RollupPoint[];
  const average = points.map((point) => point.latency_avg);
  const cpu = points.map((point) => point.cpu_avg);
  const memory = points.map((point) => point.memory_avg);
  const uptime = points.map((point) => (point.count > 0 ? point.uptime : null));
  const checks = points.reduce((sum, point) => sum + point.count, 0);
  const failures = points.reduce((sum, point) => sum + point.failures, 0);
  return {
    times: points.map((point) => point.at),
    span: [history.from, history.to],
    specs: [
      {
        title: "Latency",
        unit: " ms",
        summary: stats(average, " ms"),
        series: [
          { label: "Average", color: color("accent"), values: average },
          { label: "p95", color: color("warning"), values: points.map((point) => point.latency_p95) },
        ],
      },
      { title: "CPU", unit: " %", summary: stats(cpu, " %"), series: [{ label: "CPU (avg)", color: color("unknown"), values: cpu }] },
      { title: "Memory", unit: " MB", summary: stats(memory, " MB"), series: [{ label: "Memory (avg)", color: color("healthy"), values: memory }] },
      {
        title: "Status",
        unit: " %",
        summary: checks > 0 ? `${(((checks - failures) / checks) * 100).toFixed(2)} % of ${checks} checks passed` : "no checks",
        range: [0, 100],
        series: [{ label: `Uptime per ${history.resolution}`, color: color("healthy"), values: uptime, bars: true }],
      },
    ],
  };
}

export default function HealthCharts({ serverId }: { serverId: string }) {
  const [range, setRange] = useState<HistoryRange>("1h");
  const { histories, failure } = useHealthHistories([serverId], range);
  const history = histories?.[0] ?? null;
  const scheme = useColorScheme();

  // The colours come from the stylesheet, so the charts are rebuilt when the scheme changes.
  const charts = useMemo(() => (history && history.points.length > 0 ? chartsOf(history) : null), [history, scheme]);

  return (
    <section className="panel stack-tight" aria-labelledby="history-title">
      <div className="section-head">
        <h3 id="history-title">Health history</h3>
        <div className="segmented" role="group" aria-label="Time range">
          {(Object.keys(HISTORY_RANGES) as HistoryRange[]).map((each) => (
            <button key={each} type="button" className="segment" aria-pressed={each === range} onClick={() => setRange(each)}>
              {RANGE_LABELS[each]}
            </button>
          ))}
        </div>
      </div>
      {failure && (
        <p className="panel error" role="alert">
          The history could not be loaded: {failure}
        </p>
      )}
      {!failure && history && !charts && (
        <p className="muted empty-note">
          No health checks in the last {RANGE_LABELS[range]}. Checks run while the server is running; start it, or pick a longer range.
        </p>
      )}
      {charts && (
        <div className="charts">
          {charts.specs.map((spec) => (
            <Chart key={spec.title} spec={spec} xs={charts.times} span={charts.span} />
          ))}
        </div>
      )}
    </section>
  );
}
