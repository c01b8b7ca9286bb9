#!/usr/bin/env node
// The benchmarks, one JSON line each on stdout (progress on stderr). See bench/README.md.
//   startup:    bare SDK floor vs mcp-hub vs `pygent serve`, interleaved per round.
//   monitoring: monitoring cost at scale, shutdown, history query (bench/monitoring.mjs).
//   websocket:  health_update delay to /ws subscribers under monitoring, slow subscriber (bench/websocket.mjs).
//   calls:      REST tool calls vs the bare SDK vs mcp-hub (bench/calls.mjs).
//   gateway:    MCP tool calls through /mcp and `pygent mcp` vs the bare SDK vs mcp-hub's MCP endpoint; tools/list of many servers (bench/gateway.mjs).
//   rag:        retrieval ingest rate and query p50/p95 on 10,000 chunks vs FTS5 BM25 alone; recall@5 and MRR per mode (bench/rag.mjs).
//   agents:     an agent step's cost beyond a scripted model's and its tools', and its tool call through the gateway vs the bare SDK (bench/agents.mjs).
// `node bench/run.mjs [--only startup|monitoring|websocket|calls|gateway|rag|agents] [--quick] [--markdown]` runs one of them; all by default.
// Each part's targets are printed at the end, PASS or FAIL, and as a last JSON line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runAgents } from "./agents.mjs";
import { runCalls } from "./calls.mjs";
import { floorOnce } from "./floor.mjs";
import { runGateway } from "./gateway.mjs";
import { hubLogTail, hubOnce } from "./mcp-hub.mjs";
import { parseParts, runMonitoring } from "./monitoring.mjs";
import { pygentAvailable, pygentLogTail, pygentOnce } from "./pygent.mjs";
import { runRag } from "./rag.mjs";
import { runWebsocket } from "./websocket.mjs";
import { installCleanupHandlers, killEverything, log, median, registerTempDir, round1 } from "./lib/proc.mjs";
import { figure, formatTargets, markdownTable, QUICK, ratio, target } from "./lib/targets.mjs";

const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? (QUICK ? "3" : "5"), 10) || 5);

function r1obj(o) {
  if (o === null || typeof o !== "object") return typeof o === "number" ? round1(o) : o;
  if (Array.isArray(o)) return o.map(r1obj);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r1obj(v)]));
}


async function startup() {
  installCleanupHandlers();
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-")));
  const started = Date.now();
  const withPygent = pygentAvailable();
  if (!withPygent) log("bin/pygent.js not found: pygent part skipped");
  const floor = [];
  const hub = [];
  const pyg = [];
  let hubExt = null;
  let pygExt = null;
  const errors = [];
  try {
    const loads = [];
    /** One round of a daemon contender: its run, its errors named, and a progress line. */
    const daemonRound = async (name, folder, once, logTail, rd, last, keep) => {
      const d = path.join(rd, folder);
      fs.mkdirSync(d, { recursive: true });
      const r = await once(d, { extended: last });
      keep(r);
      if (r.error) {
        errors.push(`${name}: ${r.error}`);
        log(`${name} error: ${r.error}\n${logTail(d)}`);
      }
      return `${name} ${r.ready_ms?.toFixed(0) ?? "-"} ms (first answer ${r.first_answer_ms?.toFixed(0) ?? "-"} ms)`;
    };
    const rounds = {
      floor: async (rd) => {
        const fd = path.join(rd, "floor");
        fs.mkdirSync(fd, { recursive: true });
        const f = await floorOnce(fd);
        floor.push(f);
        return `floor ${f.toFixed(0)} ms`;
      },
      "mcp-hub": (rd, last) => daemonRound("mcp-hub", "hub", hubOnce, hubLogTail, rd, last, (h) => {
        hub.push(h);
        if (last) hubExt = h;
      }),
      // Every pygent round is a whole one (RSS, kill -9, SIGTERM), so those figures are medians too;
      // with --quick only the last one is.
      pygent: (rd, last) => daemonRound("pygent", "pygent", pygentOnce, pygentLogTail, rd, !QUICK || last, (p) => {
        pyg.push(p);
        if (last) pygExt = p;
        if (p.shutdown_error) errors.push(`pygent: ${p.shutdown_error}`);
        if (p.cli_error) errors.push(`pygent servers list: ${p.cli_error}`);
      }),
    };
    const order = withPygent ? ["floor", "mcp-hub", "pygent"] : ["floor", "mcp-hub"];
    for (let i = 0; i < RUNS; i++) {
      const last = i === RUNS - 1;
      const rd = path.join(tmp, `round${i}`);
      loads.push(os.loadavg()[0]);
      // Rotated, so that no contender always runs first (or right after the heaviest one).
      const rotated = order.map((_, k) => order[(k + i) % order.length]);
      for (const name of rotated) log(`round ${i + 1}/${RUNS} ${await rounds[name](rd, last)}`);
    }

    // Once (not with --quick): mcp-hub without the seeded catalog, to show what the failed internet fetch costs.
    let unseededMs = null;
    if (!QUICK) {
      const ud = path.join(tmp, "hub-unseeded");
      fs.mkdirSync(ud, { recursive: true });
      unseededMs = (await hubOnce(ud, { seed: false })).ready_ms ?? null;
      log(`mcp-hub without seeded catalog ${unseededMs?.toFixed(0) ?? "-"} ms`);
    }

    const floorMs = median(floor);
    const spread = (runs, key) => {
      const xs = runs.map((r) => r[key]).filter((x) => typeof x === "number");
      return { median: median(xs), min: xs.length ? Math.min(...xs) : null, max: xs.length ? Math.max(...xs) : null };
    };
    const hubMs = median(hub.map((h) => h.ready_ms).filter((x) => typeof x === "number"));
    const hubFirst = spread(hub, "first_answer_ms");
    const hubCpu = spread(hub, "cpu_ms_until_ready");
    const out = {
      bench: "startup",
      runs: RUNS,
      servers: 4,
      floor_ms: floorMs,
      floor_samples_ms: floor,
      load_average_1m: { median: median(loads), min: Math.min(...loads), max: Math.max(...loads) },
      order: "rotated per round",
      mcp_hub: {
        ready_ms: hubMs,
        samples_ms: hub.map((h) => h.ready_ms),
        first_answer_ms: hubFirst,
        cpu_ms_until_ready: hubCpu,
        rss_mb: spread(hub, "rss_mb"),
        children_rss_mb: spread(hub, "children_rss_mb"),
        restarted_after_kill9: hubExt?.restarted_after_kill9 ?? null,
        kill9: hubExt?.kill9 ?? null,
        catalog: "seeded fresh registry.json cache in a temp HOME/XDG_DATA_HOME (no fetch)",
        ready_ms_unseeded_catalog: unseededMs,
      },
      pygent: null,
      ratios: {},
    };
    if (withPygent) {
      const pMs = median(pyg.map((p) => p.ready_ms).filter((x) => typeof x === "number"));
      out.pygent = {
        ready_ms: pMs,
        samples_ms: pyg.map((p) => p.ready_ms),
        first_answer_ms: spread(pyg, "first_answer_ms"),
        cpu_ms_until_ready: spread(pyg, "cpu_ms_until_ready"),
        servers: pygExt?.servers ?? null,
        rss_mb: spread(pyg, "rss_mb"),
        children_rss_mb: spread(pyg, "children_rss_mb"),
        restart_after_kill9_ms: spread(pyg, "restart_after_kill9_ms"),
        kill9: pygExt?.kill9 ?? null,
        shutdown_ms: spread(pyg, "shutdown_ms"),
        cli_servers_list_ms: spread(pyg, "cli_servers_list_ms"),
        node_floor_ms: spread(pyg, "node_floor_ms"),
        leftover_processes: Math.max(...pyg.map((r) => r.leftover_processes ?? 0)),
      };
      if (pygExt?.shutdown_error) out.pygent.shutdown_error = pygExt.shutdown_error;
      if (pygExt?.last_servers) out.pygent.last_servers = pygExt.last_servers;
    } else {
      out.pygent = { skipped: "bin/pygent.js not built" };
    }
    out.ratios = {
      pygent_ready_vs_floor: ratio(out.pygent.ready_ms, floorMs),
      mcp_hub_ready_vs_floor: ratio(hubMs, floorMs),
      pygent_vs_mcp_hub_rss: ratio(out.pygent.rss_mb?.median, out.mcp_hub.rss_mb.median),
      pygent_vs_mcp_hub_ready: ratio(out.pygent.ready_ms, hubMs),
      pygent_vs_mcp_hub_first_answer: ratio(out.pygent.first_answer_ms?.median, hubFirst.median),
      pygent_vs_mcp_hub_cpu_until_ready: ratio(out.pygent.cpu_ms_until_ready?.median, hubCpu.median),
    };
    const p = out.pygent;
    /** A target on the ratio of PyGent's figure to mcp-hub's, with both figures beside it. */
    const vsHub = (name, value, max, mine, theirs, unit = " ms") =>
      target(name, value, { max, unit: "×", detail: `${figure(mine, unit)}, mcp-hub ${figure(theirs, unit)}` });
    out.targets = withPygent
      ? [
          vsHub("first answer vs mcp-hub's", out.ratios.pygent_vs_mcp_hub_first_answer, 1.5, p.first_answer_ms.median, hubFirst.median),
          target("ready vs the floor", out.ratios.pygent_ready_vs_floor, {
            max: 1.2,
            unit: "×",
            detail: `${figure(p.ready_ms, " ms")}, floor ${figure(floorMs, " ms")}`,
          }),
          vsHub("ready vs mcp-hub's", out.ratios.pygent_vs_mcp_hub_ready, 1, p.ready_ms, hubMs),
          vsHub("daemon CPU until ready vs mcp-hub's", out.ratios.pygent_vs_mcp_hub_cpu_until_ready, 1, p.cpu_ms_until_ready.median, hubCpu.median),
          vsHub("idle RSS vs mcp-hub's", out.ratios.pygent_vs_mcp_hub_rss, 1, p.rss_mb.median, out.mcp_hub.rss_mb.median, " MB"),
          target("SIGTERM until the daemon and its 4 servers are gone", p.shutdown_ms.median, { max: 1000, unit: " ms" }),
          target("leftover processes after shutdown (worst round)", p.leftover_processes, { max: 0 }),
        ]
      : [];
    if (errors.length) {
      out.errors = errors;
      // A part that failed fails the run, and says which.
      process.exitCode = 1;
    }
    out.wall_s = (Date.now() - started) / 1000;
    return r1obj(out);
  } finally {
    killEverything();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The parts, in the order `npm run bench` runs them: each resolves with its one JSON line's object. */
const BENCHES = {
  startup: () => startup(),
  monitoring: (argv) => runMonitoring(parseParts(argv)),
  websocket: () => runWebsocket(),
  calls: () => runCalls(),
  gateway: () => runGateway(),
  rag: () => runRag(),
  agents: () => runAgents(),
};

async function main() {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--only");
  const only = i >= 0 ? argv[i + 1] : undefined;
  if (only !== undefined && !(only in BENCHES)) throw new Error(`--only takes one of ${Object.keys(BENCHES).join(", ")}`);
  const began = Date.now();
  const results = [];
  for (const name of only ? [only] : Object.keys(BENCHES)) {
    log(`${name} benchmark`);
    const out = await BENCHES[name](argv);
    process.stdout.write(JSON.stringify(out) + "\n");
    results.push(out);
  }
  const targets = results.flatMap((r) => (r.targets ?? []).map((t) => ({ bench: r.bench, ...t })));
  const failed = targets.filter((t) => !t.pass).length;
  const wallS = Math.round((Date.now() - began) / 1000);
  log(
    `\ntargets${QUICK ? " (--quick: smaller scale, fewer rounds)" : ""}, load average ${os.loadavg()[0].toFixed(1)}, ${wallS} s in all:\n` +
      formatTargets(targets),
  );
  if (argv.includes("--markdown")) log(`\n${markdownTable(targets)}`);
  process.stdout.write(
    JSON.stringify({ bench: "summary", quick: QUICK, load_average_1m: round1(os.loadavg()[0]), wall_s: wallS, passed: targets.length - failed, failed, targets }) + "\n",
  );
}

main()
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((err) => {
    killEverything();
    log(`failed: ${err?.stack ?? err}`);
    process.exit(1);
  });
