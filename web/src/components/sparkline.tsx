/**
 * A server's response times over its latest checks, as a small line the width of a table cell;
 * the words beside it (the last time) carry the figure, the line only its trend, so it is hidden
 * from screen readers in favour of a label with the range.
 */
const WIDTH = 96;
const HEIGHT = 24;

export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  if (values.length < 2) return null;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const step = WIDTH / (values.length - 1);
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(HEIGHT - 2 - ((value - min) / span) * (HEIGHT - 4)).toFixed(1)}`).join(" ");
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${label}: ${Math.round(min)}–${Math.round(max)} ms over the last ${values.length} checks`}>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}
