// Tool-call benchmark: what the REST call path adds over the bare SDK. Three contenders call
// server-everything's `echo` tool (`node <bin js> stdio`): the SDK client in this process
// (direct, the floor), `POST /api/v1/mcp/servers/{id}/tools/{tool}/call` on `pygent serve`, and
// mcp-hub's `POST /api/servers/tools`. Each is started once; every round measures each of them in
// turn (order rotated): warm-up, sequential calls (latency), then 16 concurrent callers
// (throughput), with the CPU of the daemon, of the server and of this process over the measured calls.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Pool } from "undici";
import { envInt, measureContenders, pairwise, ratioOf, spread, summarise } from "./lib/call-rounds.mjs";
import { logTail, startDaemon, stopDaemon, waitAllRunning } from "./lib/daemon.mjs";
import { binOf } from "./lib/servers.mjs";
import { cmdline, descendants, installCleanupHandlers, killEverything, registerTempDir } from "./lib/proc.mjs";
import { QUICK, target } from "./lib/targets.mjs";
import { launchHubWith } from "./mcp-hub.mjs";

const ROUNDS = envInt("BENCH_CALLS_ROUNDS", QUICK ? 2 : 5);
const SEQUENTIAL = envInt("BENCH_CALLS_SEQUENTIAL", QUICK ? 150 : 500);
const CALLERS = 16;
const PER_CALLER = envInt("BENCH_CALLS_PER_CALLER", QUICK ? 20 : 100);
const WARMUP = QUICK ? 50 : 200;
const MESSAGE = "hello from the bench";
const SERVER_ID = "everything";

const everything = () => ({ command: process.execPath, args: [binOf("@modelcontextprotocol/server-everything"), "stdio"] });

function checkEcho(content) {
  const text = content?.[0]?.text;
  if (typeof text !== "string" || !text.includes(MESSAGE)) throw new Error(`unexpected echo result: ${JSON.stringify(content).slice(0, 200)}`);
}

/** A POST of a JSON body over a keep-alive pool; the parsed answer, or an error naming the status. */
async function postJson(pool, urlPath, payload) {
  const res = await pool.request({ method: "POST", path: urlPath, headers: { "content-type": "application/json" }, body: payload });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

const httpPool = (base) => new Pool(base, { connections: CALLERS, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });

async function startDirect() {
  const { command, args } = everything();
  const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
  const client = new Client({ name: "pygent-bench-calls", version: "0.0.0" }, { capabilities: {} });
  await client.connect(transport);
  await client.listTools();
  return {
    daemonPids: [],
    serverPid: transport.pid,
    call: async () => checkEcho((await client.callTool({ name: "echo", arguments: { message: MESSAGE } })).content),
    stop: () => client.close(),
  };
}

async function startPygent(dir) {
  const { command, args } = everything();
  const d = await startDaemon(dir, { servers: [{ id: SERVER_ID, command: [command, ...args] }] });
  const ready = await waitAllRunning(d, 1, 60_000);
  if (ready.ready_ms === null) {
    await stopDaemon(d);
    throw new Error(`${ready.error}\n${logTail(d)}`);
  }
  const pool = httpPool(d.url);
  const urlPath = `/api/v1/mcp/servers/${SERVER_ID}/tools/echo/call`;
  const payload = JSON.stringify({ arguments: { message: MESSAGE } });
  return {
    daemonPids: [d.pid],
    serverPid: ready.servers[0].pid,
    call: async () => {
      const doc = await postJson(pool, urlPath, payload);
      if (doc.is_error) throw new Error(`tool error: ${JSON.stringify(doc.content).slice(0, 200)}`);
      checkEcho(doc.content);
    },
    stop: async () => {
      await pool.close();
      await stopDaemon(d);
    },
  };
}

async function startHub(dir) {
  const { hub, serverPid, stop } = await launchHubWith(dir, { name: SERVER_ID, ...everything() }, "server-everything");
  const pool = httpPool(hub.base);
  const payload = JSON.stringify({ server_name: SERVER_ID, tool: "echo", arguments: { message: MESSAGE } });
  return {
    daemonPids: [hub.child.pid],
    serverPid,
    call: async () => {
      const doc = await postJson(pool, "/api/servers/tools", payload);
      if (doc.result?.isError) throw new Error(`tool error: ${JSON.stringify(doc.result.content).slice(0, 200)}`);
      checkEcho(doc.result?.content);
    },
    stop: async () => {
      await pool.close();
      await stop();
    },
  };
}

/** The tool-call benchmark; returns its JSON document (`"bench":"calls"`). */
export async function runCalls() {
  installCleanupHandlers();
  const started = Date.now();
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-calls-")));
  const starters = { direct: () => startDirect(), pygent: () => startPygent(path.join(tmp, "pygent")), mcp_hub: () => startHub(path.join(tmp, "hub")) };
  for (const d of ["pygent", "hub"]) fs.mkdirSync(path.join(tmp, d), { recursive: true });
  const errors = [];
  let rounds = { results: { direct: [], pygent: [], mcp_hub: [] }, loads: [] };
  try {
    const scale = { warmup: WARMUP, sequential: SEQUENTIAL, callers: CALLERS, perCaller: PER_CALLER };
    rounds = await measureContenders("calls", starters, ROUNDS, scale, errors);
  } finally {
    for (const d of descendants(process.pid)) if (cmdline(d.pid).includes("server-everything")) process.kill(d.pid, "SIGKILL");
    killEverything();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const { direct, pygent, mcp_hub: hub } = rounds.results;
  const loads = rounds.loads;
  const ratios = {
    pygent_p50_minus_direct_ms: pairwise(pygent, direct, "p50_ms", (x, y) => x - y),
    pygent_vs_direct_concurrent_calls_per_s: ratioOf(pygent, direct, "concurrent_calls_per_s"),
    mcp_hub_p50_minus_direct_ms: pairwise(hub, direct, "p50_ms", (x, y) => x - y),
    pygent_vs_mcp_hub_p50: ratioOf(pygent, hub, "p50_ms"),
    pygent_vs_mcp_hub_calls_per_s: ratioOf(pygent, hub, "calls_per_s"),
    pygent_vs_mcp_hub_concurrent_calls_per_s: ratioOf(pygent, hub, "concurrent_calls_per_s"),
    pygent_vs_mcp_hub_daemon_cpu_per_call: ratioOf(pygent, hub, "daemon_cpu_ms_per_call"),
  };
  const out = {
    bench: "calls",
    quick: QUICK,
    rounds: ROUNDS,
    tool: "server-everything echo (stdio)",
    sequential_calls: SEQUENTIAL,
    concurrent: { callers: CALLERS, calls: CALLERS * PER_CALLER },
    warmup_calls: WARMUP,
    order: "rotated per round",
    load_average_1m: spread(loads),
    direct: summarise(direct),
    pygent: summarise(pygent),
    mcp_hub: summarise(hub),
    ratios,
    targets: [
      target("call p50 over the direct SDK's", ratios.pygent_p50_minus_direct_ms, { max: 0.5, unit: " ms" }),
      target("calls/s with 16 in flight vs the direct SDK's", ratios.pygent_vs_direct_concurrent_calls_per_s, { min: 0.8, unit: "×" }),
      target("daemon CPU per call", spread(pygent.filter(Boolean).map((r) => r.daemon_cpu_ms_per_call))?.median, { max: 0.3, unit: " ms" }),
    ],
  };
  if (errors.length) {
    out.errors = errors;
    process.exitCode = 1;
  }
  out.wall_s = (Date.now() - started) / 1000;
  return out;
}
