/**
 * A server's response times over its latest checks, as a small uPlot line the width of a table
 * cell; the words beside it (the last time) carry the figure, the line only its trend, so screen
 * readers get a label with the range instead. uPlot loads with the first sparkline, not with the
 * page, and each sparkline keeps its plot and only hands it new data as checks come in.
 */
import { useEffect, useRef } from "react";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { cssVar, useColorScheme } from "./color-scheme.js";

const WIDTH = 96;
const HEIGHT = 24;

let loading: Promise<typeof uPlot> | undefined;
function loadUplot(): Promise<typeof uPlot> {
  loading ??= import("uplot").then((module) => module.default);
  return loading;
}

function dataOf(values: readonly number[]): uPlot.AlignedData {
  return [values.map((_value, index) => index), [...values]];
}

export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useColorScheme();
  const drawn = values.length >= 2;
  const latest = useRef(values);
  latest.current = values;

  // A new plot when the sparkline appears or the colours change; data alone goes to setData below.
  useEffect(() => {
    if (!drawn) return;
    let cancelled = false;
    void loadUplot().then((UPlot) => {
      const element = ref.current;
      if (cancelled || !element) return;
      plot.current = new UPlot(
        {
          width: WIDTH,
          height: HEIGHT,
          padding: [2, 1, 2, 1],
          legend: { show: false },
          cursor: { show: false },
          select: { show: false, left: 0, top: 0, width: 0, height: 0 },
          scales: { x: { time: false } },
          axes: [{ show: false }, { show: false }],
          series: [{}, { stroke: cssVar("--accent"), width: 1.5, points: { show: false } }],
        },
        dataOf(latest.current),
        element,
      );
    });
    return () => {
      cancelled = true;
      plot.current?.destroy();
      plot.current = null;
    };
  }, [drawn, scheme]);

  useEffect(() => {
    plot.current?.setData(dataOf(values));
  }, [values]);

  if (!drawn) return null;
  const min = Math.min(...values);
  const max = Math.max(...values);
  return <span ref={ref} className="sparkline" data-testid="sparkline" role="img" aria-label={`${label}: ${Math.round(min)}–${Math.round(max)} ms over the last ${values.length} checks`} />;
}
