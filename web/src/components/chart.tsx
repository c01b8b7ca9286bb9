/**
 * One uPlot chart with a caption and a text summary for screen readers, in the stylesheet's
 * colours: lines (with their points when there are few) or full-height bars, over time (a
 * server's health) or over a count (an evolution run's generations).
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { cssVar } from "./color-scheme.js";

const HEIGHT = 160;
/** Below this many points a line shows its points too, so that one sample is not invisible. */
const FEW_POINTS = 30;
/** The widest bar of a timeline: a lone sample is a mark, not the whole chart. */
const MAX_BAR_PX = 24;
/** Steps between ticks of a count axis: whole numbers only. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export interface SeriesSpec {
  label: string;
  color: string;
  values: (number | null)[];
  /** Drawn as full-height bars (the status timeline) instead of a line. */
  bars?: boolean;
  /** The line runs across missing values (series joined on one time axis, each with its own instants). */
  spanGaps?: boolean;
}

export interface ChartSpec {
  title: string;
  unit: string;
  summary: string;
  series: SeriesSpec[];
  /** Fixed y range, e.g. 0–100 %. */
  range?: [number, number];
  /** Hides the y axis (the timeline has no scale). */
  noAxis?: boolean;
}

/** `xs` are instants (ms) shown over `span` when it is given, else whole numbers such as generations. */
export function Chart({ spec, xs, span }: { spec: ChartSpec; xs: number[]; span?: [number, number] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const axis = { stroke: cssVar("--muted"), grid: { stroke: cssVar("--border"), width: 1 }, ticks: { stroke: cssVar("--border"), width: 1 } };
    const bars = uPlot.paths.bars?.({ size: [1, MAX_BAR_PX], gap: 0 });
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        ms: 1,
        legend: { show: spec.series.length > 1 || spec.series.some((series) => series.bars) },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: span ? { time: true, range: span } : { time: false },
          y: spec.range ? { range: spec.range } : { range: (_u, min, max) => [0, Math.max(max * 1.15, min + 1)] },
        },
        axes: [
          span ? axis : { ...axis, incrs: COUNT_STEPS },
          spec.noAxis ? { show: false } : { ...axis, size: 56, values: (_u, splits) => splits.map((value) => `${+value.toFixed(2)}${spec.unit}`) },
        ],
        series: [
          {},
          ...spec.series.map((series) => ({
            label: series.label,
            stroke: series.color,
            width: series.bars ? 0 : 2,
            fill: series.bars ? series.color : `${series.color}22`,
            points: { show: !series.bars && xs.length < FEW_POINTS, size: 5 },
            spanGaps: series.spanGaps ?? false,
            ...(series.bars && bars ? { paths: bars } : {}),
            value: (_u: uPlot, value: number | null) => (value === null ? "—" : series.bars ? series.label : `${+value.toFixed(2)}${spec.unit}`),
          })),
        ],
      },
      [xs, ...spec.series.map((series) => series.values)],
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [spec, xs, span]);

  return (
    <figure className="chart" data-testid={`chart-${spec.title.toLowerCase()}`}>
      <figcaption>
        <span className="chart-title">{spec.title}</span>
        <span className="muted chart-summary">{spec.summary}</span>
      </figcaption>
      <div ref={ref} role="img" aria-label={`${spec.title}: ${spec.summary}`} />
    </figure>
  );
}

/** Now, average and maximum of the known values, for a chart's text summary. */
export function stats(values: (number | null)[], unit: string): string {
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) return "no data";
  const round = (value: number): string => `${+value.toFixed(1)}${unit}`;
  const average = known.reduce((sum, value) => sum + value, 0) / known.length;
  return `now ${round(known.at(-1)!)} · avg ${round(average)} · max ${round(Math.max(...known))}`;
}
