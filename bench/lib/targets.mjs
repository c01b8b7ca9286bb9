// The issue's targets as the bench reports them: each figure beside its limit, PASS or FAIL.
// Every bench part adds a `targets` array to its JSON line; run.mjs prints them all at the end.

/** `--quick` (or BENCH_QUICK=1): fewer rounds and a smaller scale, for a smoke check under 3 min. */
export const QUICK = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick");

/**
 * One target: `value` must be at most `max` (or at least `min`). `null` value = not measured,
 * which counts as a failure, never as a pass.
 * @param {string} name what is measured, in the user's words
 * @param {number|null|undefined} value the measured figure (a median where rounds were taken)
 * @param {{max?: number, min?: number, unit?: string, basis?: string, detail?: string}} limit the limit and
 *   what it derives from; `detail`: the figures behind a ratio, as the README table shows them
 */
export function target(name, value, { max, min, unit = "", basis, detail } = {}) {
  const measured = typeof value === "number" && Number.isFinite(value);
  const pass = measured && (max === undefined || value <= max) && (min === undefined || value >= min);
  const limit = max !== undefined ? `<= ${round(max)}${unit}` : `>= ${round(min)}${unit}`;
  return { name, value: measured ? round(value) : null, unit, limit, ...(basis ? { basis } : {}), ...(detail ? { detail } : {}), pass };
}

/** a / b to two decimals; null unless both were measured. */
export const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? Math.round((a / b) * 100) / 100 : null);

const round = (x) => Math.round(x * 100) / 100;

/** A figure for people: thousands separated, at most one decimal. */
export const figure = (x, unit = "") =>
  typeof x === "number" && Number.isFinite(x) ? `${x.toLocaleString("en-US", { maximumFractionDigits: Math.abs(x) >= 100 ? 0 : Math.abs(x) < 10 ? 2 : 1 })}${unit}` : "-";

/** The README's table: one row per target, with the figures behind it. */
export function markdownTable(targets) {
  const rows = targets.map((t) => `| ${t.bench} | ${t.name} | ${t.value === null ? "not measured" : figure(t.value, t.unit)}${t.detail ? ` (${t.detail})` : ""} | ${t.limit.replace("<=", "≤").replace(">=", "≥")} | ${t.pass ? "PASS" : "**FAIL**"} |`);
  return ["| part | target | measured | limit | result |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** One line per target, for stderr. */
export function formatTargets(targets) {
  return targets
    .map((t) => `${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.value ?? "not measured"}${t.value === null ? "" : t.unit} ${t.detail ? ` [${t.detail}]` : ""} (target ${t.limit}${t.basis ? `, ${t.basis}` : ""})`)
    .join("\n");
}
