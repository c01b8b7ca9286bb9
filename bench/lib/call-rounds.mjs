// Measured rounds of tool calls for the call benches (calls.mjs, gateway.mjs): one contender's
// round (warm-up, sequential calls, then concurrent callers, with the CPU of the processes behind
// it), rounds over several contenders with the order rotated, and the figures summed up.
import os from "node:os";
import { clockTicks, cpuTicks } from "./daemon.mjs";
import { log, median } from "./proc.mjs";

/** A positive whole number from the environment variable `name`, else `fallback`: the benches' scale knobs. */
export const envInt = (name, fallback) => Math.max(1, Number.parseInt(process.env[name] ?? "", 10) || fallback);

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timed(call) {
  const t = performance.now();
  await call();
  return performance.now() - t;
}

/** CPU in ms: the daemon's processes and the server from /proc (utime+stime), this process from cpuUsage. */
function cpuNow(c) {
  const ms = (ticks) => (ticks === null ? null : (ticks * 1000) / clockTicks());
  const own = process.cpuUsage();
  const daemon = c.daemonPids.length ? c.daemonPids.map(cpuTicks) : null;
  return {
    daemon: daemon && !daemon.includes(null) ? ms(daemon.reduce((a, b) => a + b, 0)) : null,
    server: ms(cpuTicks(c.serverPid)),
    client: (own.user + own.system) / 1000,
  };
}

const perCall = (a, b, key, calls) => (a[key] === null || b[key] === null ? null : (b[key] - a[key]) / calls);

/**
 * One round of one contender: `warmup` calls, `sequential` calls (latency), then `callers`
 * concurrent callers making `perCaller` calls each (throughput).
 * @param {{call: (i: number) => Promise<void>, daemonPids: number[], serverPid: number|null}} c the contender:
 *   `call(i)` makes and checks one call; `daemonPids` the processes between client and server (none for direct)
 */
async function measureCalls(c, { warmup, sequential, callers, perCaller }) {
  for (let i = 0; i < warmup; i++) await c.call(i);
  const cpu0 = cpuNow(c);
  const seq = [];
  const s0 = performance.now();
  for (let i = 0; i < sequential; i++) seq.push(await timed(() => c.call(i)));
  const seqWall = performance.now() - s0;
  const conc = [];
  const c0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, k) => {
      for (let i = 0; i < perCaller; i++) conc.push(await timed(() => c.call(sequential + k * perCaller + i)));
    }),
  );
  const concWall = performance.now() - c0;
  const cpu1 = cpuNow(c);
  seq.sort((a, b) => a - b);
  conc.sort((a, b) => a - b);
  const calls = seq.length + conc.length;
  return {
    p50_ms: percentile(seq, 50),
    p95_ms: percentile(seq, 95),
    p99_ms: percentile(seq, 99),
    calls_per_s: (seq.length * 1000) / seqWall,
    concurrent_calls_per_s: (conc.length * 1000) / concWall,
    concurrent_p50_ms: percentile(conc, 50),
    concurrent_p99_ms: percentile(conc, 99),
    daemon_cpu_ms_per_call: perCall(cpu0, cpu1, "daemon", calls),
    server_cpu_ms_per_call: perCall(cpu0, cpu1, "server", calls),
    client_cpu_ms_per_call: perCall(cpu0, cpu1, "client", calls),
  };
}

/** Starts every contender in turn; one that fails to start is left out, its error recorded. */
async function startContenders(bench, starters, errors) {
  const contenders = {};
  for (const [name, start] of Object.entries(starters)) {
    try {
      contenders[name] = await start();
    } catch (err) {
      errors.push(`${name}: start failed: ${err?.message ?? err}`);
      log(`${bench}: ${name} did not start: ${err?.stack ?? err}`);
    }
  }
  return contenders;
}

/** A call round's progress line: its p50, calls/s in flight and the daemon's CPU per call. */
const callRoundLine = (r) =>
  `p50 ${r.p50_ms.toFixed(3)} ms` +
  (r.concurrent_calls_per_s === undefined ? "" : `, ${r.concurrent_calls_per_s.toFixed(0)} calls/s in flight`) +
  (r.daemon_cpu_ms_per_call == null ? "" : `, daemon CPU ${r.daemon_cpu_ms_per_call.toFixed(3)} ms/call`);

/**
 * `rounds` rounds over the started contenders, each measured in turn with the order rotated per
 * round. A contender that fails is stopped and dropped from later rounds, its error recorded.
 * `line` turns a round's result into its progress line.
 * @returns {{results: Record<string, object[]>, loads: number[], errors: string[]}}
 */
export async function rotatedRounds(bench, contenders, order, rounds, measure, line = callRoundLine) {
  const results = Object.fromEntries(order.map((name) => [name, []]));
  const loads = [];
  const errors = [];
  for (let i = 0; i < rounds; i++) {
    loads.push(os.loadavg()[0]);
    for (const name of order.map((_, k) => order[(k + i) % order.length])) {
      const c = contenders[name];
      if (!c) continue;
      try {
        const r = await measure(c);
        results[name][i] = r;
        log(`${bench} round ${i + 1}/${rounds} ${name}: ${line(r)}`);
      } catch (err) {
        errors.push(`${name}: round ${i + 1}: ${err?.message ?? err}`);
        log(`${bench}: ${name} failed in round ${i + 1}: ${err?.stack ?? err}`);
        delete contenders[name];
        await Promise.resolve(c.stop()).catch(() => {});
      }
    }
  }
  return { results, loads, errors };
}

/**
 * Starts the contenders (`starters`: name → start function, in the rounds' order), measures them
 * in `rounds` rotated rounds of `measureCalls` at `scale`, and stops every one that started. Errors
 * (a start or a round that failed) are added to `errors`.
 */
export async function measureContenders(bench, starters, rounds, scale, errors) {
  const contenders = await startContenders(bench, starters, errors);
  try {
    const measured = await rotatedRounds(bench, contenders, Object.keys(starters), rounds, (c) => measureCalls(c, scale));
    errors.push(...measured.errors);
    return measured;
  } finally {
    await Promise.allSettled(Object.values(contenders).map((c) => c.stop()));
  }
}

export const round3 = (x) => (typeof x === "number" && Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

/** {median, min, max} of one figure over the rounds. */
export function spread(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return null;
  return { median: round3(median(v)), min: round3(Math.min(...v)), max: round3(Math.max(...v)) };
}

/** Every figure of a contender's rounds as {median, min, max}. */
export function summarise(rounds) {
  const kept = rounds.filter(Boolean);
  if (kept.length === 0) return null;
  const keys = Object.keys(kept[0]).filter((k) => kept.some((r) => r[k] !== null));
  return Object.fromEntries(keys.map((k) => [k, spread(kept.map((r) => r[k]))]));
}

/**
 * A figure of two contenders compared round by round (same round, same machine load), then the
 * median; `bKey` names b's figure when it is not called `key`.
 */
export function pairwise(a, b, key, op, bKey = key) {
  const xs = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]?.[key];
    const y = b[i]?.[bKey];
    if (typeof x === "number" && typeof y === "number" && y > 0) xs.push(op(x, y));
  }
  return xs.length ? round3(median(xs)) : null;
}

export const ratioOf = (a, b, key, bKey = key) => pairwise(a, b, key, (x, y) => x / y, bKey);
