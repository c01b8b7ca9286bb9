#!/usr/bin/env node
// Monitoring benchmark: what health monitoring costs the daemon (200 stdio servers, 1,000 HTTP
// endpoints, each checked every 5 s, against the same daemon with checks every hour): each
// kind alone and both in one daemon (the target), with the shutdown of that daemon; and how
// long a 24-hour history query takes after 30 days of history for 100 servers (against 1 server).
// The WebSocket fan-out has its own benchmark (websocket.mjs).
// Prints ONE JSON line on stdout with a `targets` array; progress goes to stderr. See bench/README.md.
//
//   node bench/monitoring.mjs [--parts combined,stdio,http,history] [--quick]
//   env: BENCH_WINDOW_S (CPU window, default 30, split in BENCH_SUB_WINDOWS = 5), BENCH_STDIO_SERVERS (200),
//        BENCH_HTTP_SERVERS (1000), BENCH_HISTORY_SERVERS (100), BENCH_HISTORY_DAYS (30)
//   --quick: 20 stdio + 100 HTTP endpoints in the combined part only, 6 s windows (under a minute)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import {
  logBytes, logTail, measure, memAvailableMb, PYGENT_BIN, ROOT, serverPids, startDaemon, stopDaemon, waitAllRunning,
} from "./lib/daemon.mjs";
import { forkHelper } from "./lib/helper-process.mjs";
import { shutdownFloor } from "./lib/shutdown-floor.mjs";
import { historyBench } from "./lib/history.mjs";
import { installCleanupHandlers, killAll, killEverything, log, median, registerTempDir, sleep, snapshot } from "./lib/proc.mjs";
import { figure, QUICK, ratio, target } from "./lib/targets.mjs";

const ECHO_FIXTURE = path.join(ROOT, "test", "fixtures", "echo-server.mjs");
const int = (name, dflt) => Math.max(1, Number.parseInt(process.env[name] ?? String(dflt), 10) || dflt);

const CHECK_INTERVAL_S = 5;
/** Each CPU window is measured as this many back-to-back sub-windows: median, min and max. */
const SUB_WINDOWS = int("BENCH_SUB_WINDOWS", QUICK ? 3 : 5);
/** The combined daemon's targets: the full check rate, in under 15 % of a core and 250 MB. */
const TARGET_CPU_PERCENT = 15;
const TARGET_RSS_MB = 250;
const TARGET_RATE_SHARE = 0.95;
const TARGET_SHUTDOWN_MS = 1000;
/** Like ready near its floor: a shutdown within this many times the bare processes' own. */
const TARGET_OVER_FLOOR = 1.2;
const IDLE_INTERVAL_S = 3600;
/** A folder for a `--cpu-prof` profile of each daemon (written when it stops), when set. */
const CPU_PROF_DIR = process.env.BENCH_MONITORING_CPU_PROF ? path.resolve(process.env.BENCH_MONITORING_CPU_PROF) : null;
const daemonOptions = () => ({ nodeFlags: CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF_DIR}`] : [] });
/** The short idle window after monitoring (RSS kept, CPU back to idle); --quick only glances at it. */
const AFTER_WINDOW_S = QUICK ? 3 : 10;
/** RSS of one echo fixture (node + the MCP server SDK), with headroom. */
const ECHO_SERVER_MB = 75;


/** Numbers to 1 decimal, ratios to 2. */
function r1obj(o, digits = 1) {
  if (o === null || typeof o !== "object") {
    return typeof o === "number" && Number.isFinite(o) ? Math.round(o * 10 ** digits) / 10 ** digits : o;
  }
  if (Array.isArray(o)) return o.map((v) => r1obj(v, digits));
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r1obj(v, k === "ratios" || k.startsWith("ratio") ? 2 : digits)]));
}

function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v[Math.max(1, Math.ceil(p * v.length)) - 1];
}

const pad = (i, n) => String(i).padStart(n, "0");

const loadAverage = () => Number(fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

/** Median with min and max, for figures taken over several sub-windows. */
const spread = (values) => {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x));
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v) } : { median: null, min: null, max: null };
};

// --- daemon helpers ---------------------------------------------------------------------------

/** Rewrites the config with another health_check_interval and waits until the daemon applied it. */
async function setInterval_(d, config, intervalS, ids) {
  for (const s of config.servers) s.health_check_interval = intervalS;
  fs.writeFileSync(d.configPath, JSON.stringify(config, null, 2));
  const probe = [ids[0], ids[ids.length - 1]];
  const t0 = performance.now();
  while (performance.now() - t0 < 30_000) {
    let done = 0;
    for (const id of probe) {
      try {
        const res = await fetch(`${d.url}/api/v1/mcp/servers/${id}/health`, { signal: AbortSignal.timeout(5000) });
        if (res.ok && (await res.json()).check_interval_s === intervalS) done++;
      } catch {}
    }
    if (done === probe.length) return performance.now() - t0;
    await sleep(200);
  }
  throw new Error(`the daemon did not apply health_check_interval ${intervalS} within 30 s`);
}

/** Health samples the daemon stored with `at` in [from, to): count, failures, median response time. */
function samplesBetween(d, from, to) {
  const db = new Database(path.join(d.dataDir, "pygent.db"), { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const row = db
      .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN ok = 0 THEN 1 ELSE 0 END), 0) AS failures FROM health_samples WHERE at >= ? AND at < ?")
      .get(from, to);
    const rts = db
      .prepare("SELECT response_time_ms AS r FROM health_samples WHERE at >= ? AND at < ? AND response_time_ms IS NOT NULL")
      .all(from, to)
      .map((x) => x.r);
    return { count: row.n, failures: row.failures, response_p50_ms: percentile(rts, 0.5), response_p95_ms: percentile(rts, 0.95) };
  } finally {
    db.close();
  }
}

/**
 * One measuring window as SUB_WINDOWS back-to-back sub-windows: daemon CPU and RSS, the others'
 * CPU and the checks stored, each as the median over the sub-windows with min and max; the load
 * average at the start and the end; log growth over the whole window.
 */
async function window_(d, seconds, otherPids, othersKey) {
  const b0 = logBytes(d);
  const load0 = loadAverage();
  const subs = [];
  for (let i = 0; i < SUB_WINDOWS; i++) {
    const from = Date.now();
    const m = await measure(d.pid, seconds / SUB_WINDOWS, otherPids);
    subs.push({ m, from, to: Date.now() });
  }
  await sleep(1200); // the sample writer flushes every 500 ms
  const all = samplesBetween(d, subs[0].from, subs[subs.length - 1].to);
  const rates = subs.map(({ m, from, to }) => samplesBetween(d, from, to).count / m.window_s);
  const cpu = spread(subs.map(({ m }) => m.cpu_percent));
  const rate = spread(rates);
  const windowS = subs.reduce((a, { m }) => a + m.window_s, 0);
  return {
    cpu_percent: cpu.median,
    cpu_percent_min: cpu.min,
    cpu_percent_max: cpu.max,
    rss_mb: spread(subs.map(({ m }) => m.rss_mb)).median,
    rss_max_mb: Math.max(...subs.map(({ m }) => m.rss_max_mb ?? 0)),
    [othersKey]: spread(subs.map(({ m }) => m.others_cpu_percent)).median,
    checks: all.count,
    checks_per_s: rate.median,
    checks_per_s_min: rate.min,
    checks_per_s_max: rate.max,
    failed_checks: all.failures,
    response_p50_ms: all.response_p50_ms,
    response_p95_ms: all.response_p95_ms,
    log_kb: (logBytes(d) - b0) / 1024,
    window_s: windowS,
    sub_windows: SUB_WINDOWS,
    load_average: [load0, loadAverage()],
  };
}

/** Baseline (interval 3600 s) then monitoring (interval 5 s) on the same daemon and servers. */
async function costWindows(d, config, ids, windowS, otherPids, othersKey, label) {
  log(`${label}: idle baseline (health_check_interval ${IDLE_INTERVAL_S}) for ${windowS} s`);
  const idle = await window_(d, windowS, otherPids, othersKey);
  log(`${label}: idle cpu ${idle.cpu_percent?.toFixed(1)} % rss ${idle.rss_mb?.toFixed(0)} MB; switching to ${CHECK_INTERVAL_S} s checks`);
  await setInterval_(d, config, CHECK_INTERVAL_S, ids);
  // A full interval first, so every server has had its first check of the new schedule.
  await sleep((CHECK_INTERVAL_S + 1) * 1000);
  log(`${label}: monitoring window ${windowS} s`);
  const monFromS = (performance.now() - d.startedAt) / 1000;
  const mon = await window_(d, windowS, otherPids, othersKey);
  if (CPU_PROF_DIR) {
    const toS = (performance.now() - d.startedAt) / 1000;
    log(`${label}: the monitoring window in the daemon's profile: node bench/profile-summary.mjs <file> 40 ${monFromS.toFixed(1)} ${toS.toFixed(1)}`);
  }
  log(`${label}: monitoring cpu ${mon.cpu_percent?.toFixed(1)} % (${mon.cpu_percent_min?.toFixed(1)}-${mon.cpu_percent_max?.toFixed(1)}) rss ${mon.rss_mb?.toFixed(0)} MB, ${mon.checks_per_s?.toFixed(1)} checks/s (expected ${(ids.length / CHECK_INTERVAL_S).toFixed(1)}), load ${mon.load_average.join(" -> ")}`);
  // Back to hourly checks: what the daemon keeps once monitoring has run (V8 rarely gives heap back).
  await setInterval_(d, config, IDLE_INTERVAL_S, ids);
  await sleep(3000);
  const after = await window_(d, AFTER_WINDOW_S, otherPids, othersKey);
  log(`${label}: idle again cpu ${after.cpu_percent?.toFixed(1)} % rss ${after.rss_mb?.toFixed(0)} MB`);
  return {
    idle,
    monitoring: mon,
    idle_after: { cpu_percent: after.cpu_percent, rss_mb: after.rss_mb, window_s: after.window_s, load_average: after.load_average },
    expected_checks_per_s: ids.length / CHECK_INTERVAL_S,
    ratios: {
      cpu_monitoring_vs_idle: ratio(mon.cpu_percent, idle.cpu_percent),
      rss_monitoring_vs_idle: ratio(mon.rss_mb, idle.rss_mb),
    },
    cpu_cost_percent: mon.cpu_percent - idle.cpu_percent,
    cpu_ms_per_check: mon.checks_per_s > 0 ? ((mon.cpu_percent - idle.cpu_percent) * 10) / mon.checks_per_s : null,
  };
}

// --- the parts --------------------------------------------------------------------------------

/** As many echo servers as asked for and fit in the memory available (~ECHO_SERVER_MB each). */
function stdioServers(label, requested) {
  const avail = memAvailableMb();
  const fits = avail ? Math.floor((avail - 3000) / ECHO_SERVER_MB) : requested;
  const n = Math.max(1, Math.min(requested, fits));
  if (n < requested) log(`${label}: only ${n} of ${requested} servers fit in ${avail?.toFixed(0)} MB available; scaling down`);
  const ids = Array.from({ length: n }, (_, i) => `echo-${pad(i, 3)}`);
  const out = { servers: n, requested, mem_available_mb: avail };
  if (n < requested) out.scaled_down = `only ${n} servers fit in the memory available (~${ECHO_SERVER_MB} MB each)`;
  const servers = ids.map((id) => ({ id, command: [process.execPath, ECHO_FIXTURE], health_check_interval: IDLE_INTERVAL_S }));
  return { ids, servers, out };
}

/** The HTTP farm helper with `n` endpoints; resolves with it and its port. */
async function startFarm(n) {
  const farm = forkHelper("http-farm.mjs", [String(n), "0"]);
  try {
    const port = await new Promise((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(() => reject(new Error("http farm did not listen in 20 s")), 20_000);
      farm.child.stdout.on("data", (c) => {
        buf += c.toString();
        const m = /listening (\d+)/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      farm.child.on("exit", () => reject(new Error(`http farm exited: ${farm.stderr()}`)));
    });
    const ids = Array.from({ length: n }, (_, i) => `http-${pad(i, 4)}`);
    const servers = ids.map((id, i) => ({ id, transport: "http", url: `http://127.0.0.1:${port}/mcp/${i}`, health_check_interval: IDLE_INTERVAL_S }));
    return { farm, port, ids, servers };
  } catch (err) {
    killAll(farm.entry);
    throw err;
  }
}

/** Fastify plugins that did not load in time (AVV_ERR_PLUGIN_TIMEOUT and its wording) in the daemon's log. */
function pluginTimeouts(d) {
  try {
    return (fs.readFileSync(d.logPath, "utf8").match(/PLUGIN_TIMEOUT|plugin did not start in time/gi) ?? []).length;
  } catch {
    return null;
  }
}

/**
 * Starts the daemon and waits until its `n` servers run; sets start_s in `out`, or error and
 * states when they do not, and then resolves with a daemon whose `ready` is false.
 */
async function startAllRunning(label, dir, config, n, out) {
  const t0 = performance.now();
  const d = await startDaemon(dir, config, daemonOptions());
  d.startedAt = t0;
  log(`${label}: daemon pid ${d.pid} starting ${n} servers`);
  const ready = await waitAllRunning(d, n, 300_000, t0, (c) => log(`${label}: ${JSON.stringify(c)}`));
  out.start_s = ready.ready_ms === null ? null : ready.ready_ms / 1000;
  if (ready.ready_ms === null) {
    out.error = ready.error;
    out.states = ready.counts;
    log(`${label}: ${ready.error}\n${logTail(d)}`);
  } else log(`${label}: all ${n} running after ${out.start_s.toFixed(1)} s`);
  return Object.assign(d, { ready: ready.ready_ms !== null });
}

/** SIGKILLs what is left of the daemon (when started) and of the HTTP farm. */
function endDaemonAndFarm(d, farm) {
  if (d) {
    snapshot(d.entry);
    killAll(d.entry);
  }
  killAll(farm.entry);
}

async function stdioPart(tmp, { windowS }) {
  const { ids, servers, out } = stdioServers("stdio", int("BENCH_STDIO_SERVERS", 200));
  const n = ids.length;
  const config = { servers };
  const dir = path.join(tmp, "stdio");
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const d = await startDaemon(dir, config, daemonOptions());
  d.startedAt = t0;
  try {
    log(`stdio: daemon pid ${d.pid} starting ${n} echo servers`);
    const ready = await waitAllRunning(d, n, 300_000, t0, (c) => log(`stdio: ${JSON.stringify(c)}`));
    out.start_s = ready.ready_ms === null ? null : ready.ready_ms / 1000;
    if (ready.ready_ms === null) {
      out.error = ready.error;
      out.states = ready.counts;
      log(`stdio: ${ready.error}\n${logTail(d)}`);
      return out;
    }
    log(`stdio: all ${n} running after ${out.start_s.toFixed(1)} s`);
    const pids = serverPids(d);
    out.servers_rss_mb = pids.reduce((a, p) => a + (fs.existsSync(`/proc/${p}`) ? Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024 : 0), 0);
    await sleep(10_000); // the first check after each start, then quiet
    Object.assign(out, await costWindows(d, config, ids, windowS, pids, "servers_cpu_percent", "stdio"));
    Object.assign(out, await stopDaemon(d, 60_000));
    return out;
  } finally {
    snapshot(d.entry);
    killAll(d.entry);
  }
}

async function httpPart(tmp, { windowS }) {
  const n = int("BENCH_HTTP_SERVERS", 1000);
  const dir = path.join(tmp, "http");
  fs.mkdirSync(dir, { recursive: true });
  const { farm, port, ids, servers } = await startFarm(n);
  const out = { servers: n, endpoints: `one helper process, /mcp/0 ... /mcp/${n - 1} (createMcpHandler, stateless)` };
  let d;
  try {
    const config = { servers };
    log(`http: endpoints on port ${port}`);
    d = await startAllRunning("http", dir, config, n, out);
    if (!d.ready) return out;
    await sleep(10_000);
    Object.assign(out, await costWindows(d, config, ids, windowS, [farm.child.pid], "farm_cpu_percent", "http"));
    const stop = await stopDaemon(d, 60_000);
    out.shutdown_ms = stop.shutdown_ms;
    return out;
  } finally {
    endDaemonAndFarm(d, farm);
  }
}

/**
 * The target: one daemon with the stdio servers and the HTTP endpoints together, monitored at
 * CHECK_INTERVAL_S; then its shutdown with every stdio server running.
 */
async function combinedPart(tmp, { windowS }) {
  const stdio = stdioServers("combined", int("BENCH_STDIO_SERVERS", QUICK ? 20 : 200));
  const nHttp = int("BENCH_HTTP_SERVERS", QUICK ? 100 : 1000);
  const dir = path.join(tmp, "combined");
  fs.mkdirSync(dir, { recursive: true });
  const { farm, port, ids: httpIds, servers: httpServers } = await startFarm(nHttp);
  const ids = [...stdio.ids, ...httpIds];
  const out = { ...stdio.out, stdio_servers: stdio.ids.length, http_servers: nHttp, servers: ids.length };
  let d;
  try {
    // 1,200 servers are past the default limits.max_servers (1,000).
    const config = { limits: { max_servers: Math.max(1000, ids.length) }, servers: [...stdio.servers, ...httpServers] };
    log(`combined: ${stdio.ids.length} echo servers and ${nHttp} endpoints on port ${port}`);
    d = await startAllRunning("combined", dir, config, ids.length, out);
    out.plugin_timeouts = pluginTimeouts(d);
    log(`combined: plugin timeouts in the log: ${out.plugin_timeouts}`);
    if (!d.ready) return out;
    const pids = serverPids(d);
    await sleep(QUICK ? 3000 : 10_000);
    Object.assign(out, await costWindows(d, config, ids, windowS, [...pids, farm.child.pid], "others_cpu_percent", "combined"));
    await setInterval_(d, config, CHECK_INTERVAL_S, ids);
    log(`combined: SIGTERM with ${stdio.ids.length} stdio servers running`);
    out.shutdown = { ...(await stopDaemon(d, 60_000)), load_average: loadAverage() };
    log(`combined: daemon exited after ${out.shutdown.shutdown_ms?.toFixed(0)} ms, every server gone after ${out.shutdown.all_gone_ms?.toFixed(0)} ms`);
    out.shutdown_floor = { ...(await shutdownFloor(stdio.servers[0].command, stdio.ids.length)), load_average: loadAverage() };
    log(`combined: floor: ${stdio.ids.length} servers started here gone ${out.shutdown_floor.all_gone_ms?.toFixed(0)} ms after SIGTERM`);
    out.shutdown_floor_stdin_closed = {
      ...(await shutdownFloor(stdio.servers[0].command, stdio.ids.length, { sigterm: false })),
      load_average: loadAverage(),
    };
    log(`combined: the same servers gone ${out.shutdown_floor_stdin_closed.all_gone_ms?.toFixed(0)} ms after their stdin closed, without SIGTERM`);
    return out;
  } finally {
    endDaemonAndFarm(d, farm);
  }
}

/** The combined part's figures beside their limits. */
function combinedTargets(c) {
  const mon = c.monitoring ?? {};
  const load = `load ${mon.load_average?.join("-") ?? "?"}`;
  return [
    target("combined: checks per second (median of sub-windows)", mon.checks_per_s, {
      min: TARGET_RATE_SHARE * c.expected_checks_per_s,
      unit: "/s",
      basis: `${Math.round(TARGET_RATE_SHARE * 100)} % of ${c.servers} servers / ${CHECK_INTERVAL_S} s, ${load}`,
    }),
    target("combined: daemon CPU while monitoring (median of sub-windows)", mon.cpu_percent, { max: TARGET_CPU_PERCENT, unit: " % of a core", basis: load }),
    target("combined: daemon RSS while monitoring (max)", mon.rss_max_mb, { max: TARGET_RSS_MB, unit: " MB" }),
    target("combined: plugins timed out at start", c.plugin_timeouts, { max: 0 }),
    target(`combined: SIGTERM to every process gone (${c.stdio_servers} stdio running)`, c.shutdown?.all_gone_ms, {
      max: TARGET_SHUTDOWN_MS,
      unit: " ms",
      basis: `load ${c.shutdown?.load_average ?? "?"}`,
    }),
    target("combined: server processes left after shutdown", c.shutdown?.leftover_processes, { max: 0 }),
    target("combined: shutdown over its floor (the same servers ended straight by SIGTERM)", ratio(c.shutdown?.all_gone_ms, c.shutdown_floor?.all_gone_ms), {
      max: TARGET_OVER_FLOOR,
      unit: "×",
      detail: `${figure(c.shutdown?.all_gone_ms, " ms")} vs floor ${figure(c.shutdown_floor?.all_gone_ms, " ms")}`,
      basis: `load ${c.shutdown_floor?.load_average ?? "?"}`,
    }),
  ];
}

async function historyPart(tmp) {
  const servers = int("BENCH_HISTORY_SERVERS", 100);
  const days = int("BENCH_HISTORY_DAYS", 30);
  const many = await historyBench({ dir: path.join(tmp, "history-many"), servers, days, log });
  log(`history: ${servers} servers p95 ${many.p95_ms?.toFixed(1)} ms, db ${many.db_mb.toFixed(0)} MB (generated in ${many.generate_s.toFixed(0)} s)`);
  fs.rmSync(path.join(tmp, "history-many"), { recursive: true, force: true });
  const one = await historyBench({ dir: path.join(tmp, "history-one"), servers: 1, days, log });
  log(`history: 1 server p95 ${one.p95_ms?.toFixed(1)} ms, db ${one.db_mb.toFixed(1)} MB`);
  return {
    ...many,
    baseline_1_server: { p50_ms: one.p50_ms, p95_ms: one.p95_ms, db_mb: one.db_mb, rows: one.rows },
    ratios: { p95_vs_1_server: ratio(many.p95_ms, one.p95_ms), db_size_vs_1_server: ratio(many.db_mb, one.db_mb) },
  };
}

// --- main -------------------------------------------------------------------------------------

const ALL_PARTS = ["combined", "stdio", "http", "history"];

export function parseParts(argv) {
  const i = argv.indexOf("--parts");
  const spec = i >= 0 ? argv[i + 1] : process.env.BENCH_PARTS;
  if (!spec) return new Set(QUICK ? ["combined"] : ALL_PARTS);
  const parts = new Set(spec.split(",").map((s) => s.trim()).filter(Boolean));
  for (const p of parts) if (!ALL_PARTS.includes(p)) throw new Error(`unknown part ${p}; parts: ${ALL_PARTS.join(",")}`);
  return parts;
}

/** Runs the selected parts; resolves with the result object (one JSON line's worth). */
export async function runMonitoring(parts = new Set(ALL_PARTS)) {
  installCleanupHandlers();
  const windowS = int("BENCH_WINDOW_S", QUICK ? 6 : 30);
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-mon-")));
  const started = Date.now();
  const out = {
    bench: "monitoring",
    quick: QUICK,
    window_s: windowS,
    sub_windows: SUB_WINDOWS,
    check_interval_s: CHECK_INTERVAL_S,
    idle_interval_s: IDLE_INTERVAL_S,
    cores: os.cpus().length,
    load_average_at_start: loadAverage(),
  };
  const errors = [];
  try {
    if (!fs.existsSync(PYGENT_BIN) || !fs.existsSync(path.join(ROOT, "dist", "store", "index.js"))) {
      throw new Error("pygent is not built (bin/pygent.js or dist/ missing): run npm run build");
    }
    if (parts.has("combined")) {
      try {
        out.combined = await combinedPart(tmp, { windowS });
        if (out.combined.error) errors.push(`combined: ${out.combined.error}`);
      } catch (err) {
        errors.push(`combined: ${err?.message ?? err}`);
        log(`combined failed: ${err?.stack ?? err}`);
      }
      out.targets = combinedTargets(out.combined ?? {});
    }
    if (parts.has("stdio")) {
      try {
        const s = await stdioPart(tmp, { windowS });
        out.stdio = s;
        if (s.error) errors.push(`stdio: ${s.error}`);
      } catch (err) {
        errors.push(`stdio: ${err?.message ?? err}`);
        log(`stdio failed: ${err?.stack ?? err}`);
      }
    }
    if (parts.has("http")) {
      try {
        out.http = await httpPart(tmp, { windowS });
        if (out.http.error) errors.push(`http: ${out.http.error}`);
      } catch (err) {
        errors.push(`http: ${err?.message ?? err}`);
        log(`http failed: ${err?.stack ?? err}`);
      }
    }
    if (parts.has("history")) {
      try {
        out.history = await historyPart(tmp);
      } catch (err) {
        errors.push(`history: ${err?.message ?? err}`);
        log(`history failed: ${err?.stack ?? err}`);
      }
    }
  } catch (err) {
    errors.push(String(err?.message ?? err));
  } finally {
    killEverything();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (errors.length) out.errors = errors;
  out.wall_s = (Date.now() - started) / 1000;
  return r1obj(out);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runMonitoring(parseParts(process.argv.slice(2)))
    .then((out) => {
      process.stdout.write(JSON.stringify(out) + "\n");
      process.exit(0);
    })
    .catch((err) => {
      killEverything();
      log(`failed: ${err?.stack ?? err}`);
      process.exit(1);
    });
}
