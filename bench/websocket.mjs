#!/usr/bin/env node
// WebSocket benchmark: how fast the regular health checks' updates reach 1,000 /ws subscribers
// while the daemon monitors 200 stdio servers every 5 s (40 checks/s), and whether a subscriber
// that stops reading is dropped without slowing the others. Prints ONE JSON line on stdout
// ({"bench":"websocket",...}); progress goes to stderr. See bench/README.md.
//
//   node bench/websocket.mjs [--quick]
//   env: BENCH_WS_SERVERS (200), BENCH_WS_CLIENTS (1000), BENCH_WS_ROUNDS (5), BENCH_WS_WINDOW_S (10)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { logTail, measure, PYGENT_BIN, ROOT, startDaemon, stopDaemon, waitAllRunning } from "./lib/daemon.mjs";
import { forkHelper } from "./lib/helper-process.mjs";
import { getJson, installCleanupHandlers, killAll, killEverything, log, median, registerTempDir, round1, sleep, snapshot } from "./lib/proc.mjs";
import { QUICK, ratio, target } from "./lib/targets.mjs";

const ECHO_FIXTURE = path.join(ROOT, "test", "fixtures", "echo-server.mjs");
const CHECK_INTERVAL_S = 5;
/** Helper processes the subscribers are spread over (each runs its share in one event loop). */
const HELPERS = 2;
/** Repeated subscribes of the slow subscriber: ~90 KB of acks each, well past kernel buffers and the hub's bound. */
const SLOW_SUBSCRIBES = 120;
/** Updates whose `at` is this close to a window's end may still be on their way; not counted. */
const IN_FLIGHT_MS = 1000;

const int = (name, dflt) => Math.max(1, Number.parseInt(process.env[name] ?? String(dflt), 10) || dflt);

function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v[Math.max(1, Math.ceil(p * v.length)) - 1];
}

/** Median, min and max of one figure over the rounds. */
function spread(rounds, key) {
  const v = rounds.map((r) => r[key]).filter((x) => typeof x === "number");
  return { median: median(v), min: v.length ? Math.min(...v) : null, max: v.length ? Math.max(...v) : null };
}

function r1obj(o) {
  if (o === null || typeof o !== "object") return typeof o === "number" ? round1(o) : o;
  if (Array.isArray(o)) return o.map(r1obj);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k.startsWith("ratio") ? v : r1obj(v)]));
}

async function droppedSlow(d) {
  const doc = await getJson(`${d.url}/api/v1/metrics`, 5000);
  return doc?.websocket?.dropped_slow ?? null;
}

/** kill -9 of one running server (the daemon reports it offline, restarts it, checks it again). */
async function killOne(d, nth) {
  const doc = await getJson(`${d.url}/api/v1/mcp/servers`, 5000);
  const running = (doc?.servers ?? []).filter((s) => s.pid && s.state === "running");
  const victim = running[nth % Math.max(1, running.length)];
  if (!victim) return null;
  try {
    process.kill(victim.pid, "SIGKILL");
  } catch {}
  return victim.id;
}

/**
 * One window: forget what the subscribers had, kill -9 one server, optionally add the slow
 * subscriber, then measure the daemon's CPU for `seconds` while the regular checks run; every
 * update whose `at` falls inside the window counts, with every subscriber's delay for it.
 */
async function window_(d, helpers, { seconds, connected, withSlow, nth, serverIds }) {
  await Promise.all(helpers.map(({ h }) => h.ask({ cmd: "reset" })));
  const load = os.loadavg()[0];
  const from = Date.now();
  const dropsBefore = withSlow ? await droppedSlow(d) : null;
  const killed = await killOne(d, nth);
  const slow = withSlow ? await helpers[0].h.ask({ cmd: "slow", url: `ws://127.0.0.1:${d.port}/ws`, serverIds, subscribes: SLOW_SUBSCRIBES }) : null;
  const m = await measure(d.pid, seconds, helpers.map(({ h }) => h.child.pid));
  const to = Date.now() - IN_FLIGHT_MS;
  const got = await Promise.all(helpers.map(({ h }) => h.ask({ cmd: "collect" })));
  const perUpdate = new Map();
  for (const g of got) {
    for (const [k, v] of Object.entries(g.updates)) {
      const at = Number(k.split("|")[1]);
      if (at < from || at >= to) continue;
      perUpdate.set(k, [...(perUpdate.get(k) ?? []), ...v]);
    }
  }
  const all = [];
  const lastClient = [];
  for (const delays of perUpdate.values()) {
    for (const x of delays) all.push(x);
    lastClient.push(Math.max(...delays));
  }
  // A delay below zero means the system clock was stepped back between the check and its receipt.
  const clockStepped = all.some((x) => x < 0);
  const round = {
    load_average_1m: load,
    daemon_cpu_percent: m.cpu_percent,
    subscribers_cpu_percent: m.others_cpu_percent,
    updates: perUpdate.size,
    updates_per_s: perUpdate.size / ((to - from) / 1000),
    delivered_ratio: perUpdate.size ? all.length / (perUpdate.size * connected) : null,
    p50_ms: percentile(all, 0.5),
    p99_ms: percentile(all, 0.99),
    max_ms: percentile(all, 1),
    last_client_p50_ms: percentile(lastClient, 0.5),
    still_open: got.reduce((a, g) => a + g.open, 0),
    killed,
    ...(clockStepped ? { clock_stepped: true } : {}),
  };
  if (withSlow) {
    round.slow_subscribed = slow.ok;
    if (!slow.ok) round.slow_error = slow.error;
    const dropsAfter = await droppedSlow(d);
    round.slow_dropped = dropsBefore !== null && dropsAfter !== null && dropsAfter > dropsBefore;
  }
  return round;
}

/** Runs the benchmark; resolves with its result (one JSON line's worth) and sets exit code 1 on errors. */
export async function runWebsocket() {
  installCleanupHandlers();
  const servers = QUICK ? 20 : int("BENCH_WS_SERVERS", 200);
  const clients = QUICK ? 100 : int("BENCH_WS_CLIENTS", 1000);
  const rounds = QUICK ? 2 : int("BENCH_WS_ROUNDS", 5);
  const windowS = QUICK ? 3 : int("BENCH_WS_WINDOW_S", 10);
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-ws-")));
  const started = Date.now();
  const out = { bench: "websocket", quick: QUICK, servers, clients, check_interval_s: CHECK_INTERVAL_S, rounds, window_s: windowS, cores: os.cpus().length };
  const errors = [];
  const helpers = [];
  let d;
  try {
    if (!fs.existsSync(PYGENT_BIN) || !fs.existsSync(path.join(ROOT, "dist", "api", "app.js"))) {
      throw new Error("pygent is not built (bin/pygent.js or dist/ missing): run npm run build");
    }
    const ids = Array.from({ length: servers }, (_, i) => `echo-${String(i).padStart(3, "0")}`);
    const config = {
      servers: ids.map((id) => ({ id, command: [process.execPath, ECHO_FIXTURE], health_check_interval: CHECK_INTERVAL_S })),
      // The defaults (100 in total, 20 per token or address) would refuse most of the subscribers.
      security: { ws_max_connections: clients + 10, ws_max_connections_per_token: clients + 10 },
    };
    const t0 = performance.now();
    d = await startDaemon(tmp, config);
    log(`websocket: daemon pid ${d.pid} starting ${servers} echo servers (checks every ${CHECK_INTERVAL_S} s)`);
    const ready = await waitAllRunning(d, servers, 300_000, t0, (c) => log(`websocket: ${JSON.stringify(c)}`));
    if (ready.ready_ms === null) throw new Error(`${ready.error}\n${logTail(d)}`);
    out.start_s = ready.ready_ms / 1000;

    const perHelper = Math.ceil(clients / HELPERS);
    for (let left = clients; left > 0; left -= perHelper) helpers.push({ h: forkHelper("ws-subscribers.mjs"), n: Math.min(perHelper, left) });
    const wsUrl = `ws://127.0.0.1:${d.port}/ws`;
    const conn = await Promise.all(helpers.map(({ h, n }) => h.ask({ cmd: "connect", url: wsUrl, count: n })));
    const connected = conn.reduce((a, c) => a + c.connected, 0);
    out.connected = connected;
    const connectErrors = [...new Set(conn.flatMap((c) => c.errors))];
    if (connected < clients) {
      out.connect_errors = connectErrors;
      throw new Error(`${clients - connected} of ${clients} subscribers could not connect: ${connectErrors.join("; ")}`);
    }
    log(`websocket: ${connected} subscribers; ${QUICK ? "2 s" : "one full interval"} before measuring`);
    await sleep(QUICK ? 2000 : (CHECK_INTERVAL_S + 1) * 1000);

    const plain = [];
    const withSlow = [];
    for (let i = 0; i < rounds; i++) {
      // Without and with the slow subscriber in every round, so both see the same machine.
      plain.push(await window_(d, helpers, { seconds: windowS, connected, withSlow: false, nth: 2 * i, serverIds: ids }));
      withSlow.push(await window_(d, helpers, { seconds: windowS, connected, withSlow: true, nth: 2 * i + 1, serverIds: ids }));
      const [p, s] = [plain.at(-1), withSlow.at(-1)];
      log(
        `websocket: round ${i + 1}/${rounds} (load ${p.load_average_1m.toFixed(1)}): p99 ${p.p99_ms} ms / with slow subscriber ${s.p99_ms} ms` +
          ` (dropped: ${s.slow_dropped}), ${p.updates} updates, delivered ${(p.delivered_ratio * 100).toFixed(1)} %, daemon CPU ${p.daemon_cpu_percent?.toFixed(0)} %`,
      );
      if (s.slow_error) errors.push(s.slow_error);
      if (p.clock_stepped || s.clock_stepped) errors.push(`round ${i + 1}: the system clock was stepped back during the window; its delays are void`);
    }
    const stillOpen = plain.at(-1)?.still_open ?? 0;
    out.regular = {
      p50_ms: spread(plain, "p50_ms"),
      p99_ms: spread(plain, "p99_ms"),
      max_ms: spread(plain, "max_ms"),
      last_client_p50_ms: spread(plain, "last_client_p50_ms"),
      updates_per_s: spread(plain, "updates_per_s"),
      delivered_ratio: spread(plain, "delivered_ratio"),
      daemon_cpu_percent: spread(plain, "daemon_cpu_percent"),
      daemon_cpu_ms_per_update: spread(
        plain.map((r) => ({ v: r.updates_per_s > 0 ? (r.daemon_cpu_percent * 10) / r.updates_per_s : null })),
        "v",
      ),
      subscribers_cpu_percent: spread(plain, "subscribers_cpu_percent"),
      load_average_1m: spread(plain, "load_average_1m"),
    };
    out.slow_subscriber = {
      dropped_rounds: withSlow.filter((r) => r.slow_dropped).length,
      p99_ms: spread(withSlow, "p99_ms"),
      delivered_ratio: spread(withSlow, "delivered_ratio"),
      load_average_1m: spread(withSlow, "load_average_1m"),
    };
    out.still_open = stillOpen;
    out.ratios = { p99_with_slow_vs_without: ratio(out.slow_subscriber.p99_ms.median, out.regular.p99_ms.median) };
    out.rounds_detail = { regular: plain, with_slow_subscriber: withSlow };
    const stop = await stopDaemon(d, 60_000);
    out.shutdown_ms = stop.shutdown_ms;
  } catch (err) {
    errors.push(String(err?.message ?? err));
    log(`websocket failed: ${err?.stack ?? err}`);
  } finally {
    for (const { h } of helpers) {
      try {
        h.child.send({ cmd: "close" });
      } catch {}
    }
    await sleep(300);
    for (const { h } of helpers) killAll(h.entry);
    if (d) {
      snapshot(d.entry);
      killAll(d.entry);
    }
    killEverything();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const expectedPerS = servers / CHECK_INTERVAL_S;
  out.targets = [
    target(`health_update p99, ${clients} subscribers, ${servers} servers checked every ${CHECK_INTERVAL_S} s`, out.regular?.p99_ms.median, { max: 50, unit: " ms" }),
    target("subscribers connected", out.connected, { min: clients }),
    target("updates delivered to every subscriber", out.regular?.delivered_ratio.median, { min: 1 }),
    target("regular checks' updates per s", out.regular?.updates_per_s.median, { min: expectedPerS * 0.9, unit: "/s", basis: `90 % of ${expectedPerS}/s` }),
    target("rounds whose slow subscriber was dropped", out.slow_subscriber?.dropped_rounds, { min: rounds }),
    target("p99 with a slow subscriber vs without", out.ratios?.p99_with_slow_vs_without, { max: 1.5, unit: "×", basis: "unchanged within round-to-round noise" }),
    target("subscribers still open (none dropped but the slow ones)", out.still_open, { min: clients }),
  ];
  if (errors.length) {
    out.errors = errors;
    process.exitCode = 1;
  }
  out.wall_s = (Date.now() - started) / 1000;
  return r1obj(out);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runWebsocket()
    .then((out) => {
      process.stdout.write(JSON.stringify(out) + "\n");
      process.exit(process.exitCode ?? 0);
    })
    .catch((err) => {
      killEverything();
      log(`failed: ${err?.stack ?? err}`);
      process.exit(1);
    });
}
