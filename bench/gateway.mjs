// MCP gateway benchmark: what PyGent's gateway adds to a tool call over talking to the server
// directly. Five contenders call server-everything's `echo` tool with the official SDK client in
// this process: `direct` over stdio (the floor); `http_floor`, a bare node:http relay in front of
// the same server (lib/http-floor.mjs: no auth, no sessions, no MCP parsing), the part of a
// gateway's cost that is HTTP itself on this machine; `pygent_mcp`, one Streamable HTTP session on
// `pygent serve`'s /mcp; `pygent_stdio`, `pygent mcp` (the stdio relay a desktop client launches)
// in front of the same daemon; `mcp_hub`, mcp-hub's MCP endpoint (HTTP+SSE at /mcp). Each is
// started once; every round measures each in turn (order rotated): warm-up, sequential calls, then
// 16 concurrent callers. Every call echoes its own message, and its answer is checked to be that
// message. Then `tools/list` through /mcp with many servers behind the gateway.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { barePost } from "./lib/bare-post.mjs";
import { envInt, measureContenders, pairwise, percentile, ratioOf, spread, summarise } from "./lib/call-rounds.mjs";
import { clockTicks, cpuTicks, DAEMON_NODE_FLAGS, logTail, PYGENT_BIN, ROOT, startDaemon, stopDaemon, waitAllRunning } from "./lib/daemon.mjs";
import { binOf } from "./lib/servers.mjs";
import { cmdline, descendants, installCleanupHandlers, killAll, killEverything, log, registerTempDir, sleep, track } from "./lib/proc.mjs";
import { figure, QUICK, target } from "./lib/targets.mjs";
import { launchHubWith } from "./mcp-hub.mjs";

const ROUNDS = envInt("BENCH_GATEWAY_ROUNDS", QUICK ? 1 : 5);
const SEQUENTIAL = envInt("BENCH_GATEWAY_SEQUENTIAL", QUICK ? 100 : 500);
const CALLERS = 16;
const PER_CALLER = envInt("BENCH_GATEWAY_PER_CALLER", QUICK ? 10 : 100);
const WARMUP = QUICK ? 20 : 200;
const LIST_SERVERS = envInt("BENCH_GATEWAY_LIST_SERVERS", QUICK ? 3 : 50);
const LIST_TOOLS = 20;
const LISTS = QUICK ? 30 : 200;
/** A folder for `--cpu-prof` profiles of the daemons and the relay (one file each), when set. */
const CPU_PROF_DIR = process.env.BENCH_GATEWAY_CPU_PROF ? path.resolve(process.env.BENCH_GATEWAY_CPU_PROF) : null;
const SERVER_ID = "everything";
const MANY_TOOLS = path.join(ROOT, "test", "fixtures", "many-tools.mjs");
const HTTP_FLOOR = path.join(ROOT, "bench", "lib", "http-floor.mjs");
const STATIC_ANSWER = path.join(ROOT, "bench", "lib", "static-answer.mjs");

const everything = () => [process.execPath, binOf("@modelcontextprotocol/server-everything"), "stdio"];
const profileFlags = () => (CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF_DIR}`] : []);

/** A contender over one connected SDK client: `call(i)` echoes a message of its own and checks the answer is that one. */
function echoContender(client, tool, pids) {
  return {
    ...pids,
    call: async (i) => {
      const message = `call ${i}`;
      const result = await client.callTool({ name: tool, arguments: { message } });
      const text = result.content?.[0]?.text;
      if (result.isError || text !== `Echo: ${message}`) throw new Error(`call ${i} got another answer: ${JSON.stringify(result).slice(0, 200)}`);
    },
    stop: () => client.close(),
  };
}

async function connect(transport) {
  const client = new Client({ name: "pygent-bench-gateway", version: "0.0.0" }, { capabilities: {} });
  await client.connect(transport);
  return client;
}

/** The name under which `client` lists the echo tool (each gateway names it its own way). */
async function echoTool(client, endsWith) {
  const t0 = performance.now();
  for (;;) {
    const found = (await client.listTools()).tools.find((tool) => tool.name.endsWith(endsWith));
    if (found) return found.name;
    if (performance.now() - t0 > 30_000) throw new Error(`no tool named *${endsWith} after 30 s`);
    await sleep(100);
  }
}

async function startDirect() {
  const [command, ...args] = everything();
  const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
  const client = await connect(transport);
  return echoContender(client, await echoTool(client, "echo"), { daemonPids: [], serverPid: transport.pid });
}

/** Starts a helper that prints "listening <port> ..." once it serves; resolves with the numbers it printed. */
async function spawnListening(script, args, what) {
  const child = spawn(process.execPath, [script, ...args], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  const entry = track(child.pid);
  const numbers = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not listen within 30 s`)), 30_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /^listening ([\d ]+)\n/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].split(" ").map(Number));
      }
    });
    child.once("exit", (code) => reject(new Error(`${what} exited (${code})`)));
  });
  return { child, entry, numbers };
}

/** The bare HTTP relay (lib/http-floor.mjs) in its own process group, and an SDK client on it as on /mcp. */
async function startHttpFloor() {
  const { child, entry, numbers } = await spawnListening(HTTP_FLOOR, everything(), "the bare HTTP relay");
  const listening = { port: numbers[0], serverPid: numbers[1] };
  const client = await connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${listening.port}/mcp`)));
  const contender = echoContender(client, await echoTool(client, "echo"), { daemonPids: [child.pid], serverPid: listening.serverPid });
  return { ...contender, stop: async () => (await client.close(), killAll(entry)) };
}

/** One daemon serves both PyGent contenders; started before them, stopped after. */
async function startPygentDaemon(dir, servers, config = {}) {
  const d = await startDaemon(dir, { ...config, servers }, { nodeFlags: profileFlags() });
  const ready = await waitAllRunning(d, servers.length, 120_000);
  if (ready.ready_ms === null) {
    const tail = logTail(d);
    await stopDaemon(d);
    throw new Error(`${ready.error}\n${tail}`);
  }
  return { d, servers: ready.servers };
}

async function startPygentMcp(daemon) {
  const client = await connect(new StreamableHTTPClientTransport(new URL(`${daemon.d.url}/mcp`)));
  return echoContender(client, await echoTool(client, `${SERVER_ID}__echo`), { daemonPids: [daemon.d.pid], serverPid: daemon.servers[0].pid });
}

async function startPygentStdio(daemon) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...DAEMON_NODE_FLAGS, ...profileFlags(), PYGENT_BIN, "mcp", "--url", daemon.d.url], stderr: "ignore" });
  const client = await connect(transport);
  // The gateway's CPU here is the relay's and the daemon's together.
  return echoContender(client, await echoTool(client, `${SERVER_ID}__echo`), { daemonPids: [transport.pid, daemon.d.pid], serverPid: daemon.servers[0].pid });
}

async function startHub(dir) {
  const [command, ...args] = everything();
  const { hub, serverPid, stop } = await launchHubWith(dir, { name: SERVER_ID, command, args }, "server-everything");
  const client = await connect(new SSEClientTransport(new URL(`${hub.base}/mcp`)));
  const contender = echoContender(client, await echoTool(client, "echo"), { daemonPids: [hub.child.pid], serverPid });
  return { ...contender, stop: async () => (await client.close(), await stop()) };
}

/** One JSON-RPC request in the transport's session over node:http; resolves with the parsed answer. */
async function bareRequest(url, agent, transport, message) {
  const session = { "mcp-session-id": transport.sessionId, "mcp-protocol-version": transport.protocolVersion };
  const { status, headers, text } = await barePost(url, agent, message, session);
  if (status !== 200 || !String(headers["content-type"]).startsWith("application/json")) {
    throw new Error(`bare ${message.method}: HTTP ${status} ${headers["content-type"]}: ${text.slice(0, 200)}`);
  }
  return JSON.parse(text);
}

/**
 * The search-mode profile `lean` over the same servers: its tools/list (two tools), then LISTS
 * sequential `pygent__search_tools` calls, each for one tool by what its description says and its
 * number, checked to find that tool first.
 */
async function measureSearch(url) {
  const client = await connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp/p/lean`)));
  try {
    const listed = (await client.listTools()).tools.map((tool) => tool.name).sort();
    if (listed.join(",") !== "pygent__call_tool,pygent__search_tools") throw new Error(`the search profile lists ${listed.join(", ")}`);
    const search = async (i) => {
      const number = i % LIST_TOOLS;
      const result = await client.callTool({ name: "pygent__search_tools", arguments: { query: `tool number ${number} looks up a record`, limit: 5 } });
      const first = result.structuredContent?.tools?.[0]?.name ?? "";
      if (result.isError || !first.endsWith(`__tool_${number}`)) throw new Error(`search ${i} found ${first || JSON.stringify(result).slice(0, 200)} first, not a tool_${number}`);
    };
    for (let i = 0; i < 20; i++) await search(i);
    const times = [];
    for (let i = 0; i < LISTS; i++) {
      const t = performance.now();
      await search(i);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { tools_listed: listed.length, searches: LISTS, search_p50_ms: percentile(times, 50), search_p95_ms: percentile(times, 95) };
  } finally {
    await client.close();
  }
}

/**
 * The floor of a list this big: the same answer's bytes served by a bare node:http server in a
 * process of its own (lib/static-answer.mjs), fetched and parsed LISTS times as the bare client
 * reads the gateway's; resolves with the p50 in ms.
 */
async function measureStaticFloor(dir, text) {
  const file = path.join(dir, "tools-list.json");
  fs.writeFileSync(file, text);
  const { entry, numbers } = await spawnListening(STATIC_ANSWER, [file], "the static answer server");
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const times = [];
    for (let i = 0; i < LISTS + 20; i++) {
      const t = performance.now();
      const { text: got } = await barePost(`http://127.0.0.1:${numbers[0]}/`, agent, { jsonrpc: "2.0", id: i, method: "tools/list" });
      JSON.parse(got);
      if (i >= 20) times.push(performance.now() - t);
    }
    return percentile(times.sort((a, b) => a - b), 50);
  } finally {
    agent.destroy();
    killAll(entry);
  }
}

/**
 * `tools/list` through /mcp with LIST_SERVERS servers of LIST_TOOLS tools each behind the
 * gateway: latency of LISTS sequential lists over one session, and the daemon's CPU per list.
 */
async function measureLists(dir) {
  const servers = Array.from({ length: LIST_SERVERS }, (_, i) => ({ id: `tools${i}`, command: [process.execPath, MANY_TOOLS] }));
  const started = performance.now();
  // A profile in search mode over the same servers: a client sees two tools and finds the rest.
  const daemon = await startPygentDaemon(dir, servers, { gateway: { profiles: { lean: { mode: "search" } } } });
  const start_s = (performance.now() - started) / 1000;
  try {
    const transport = new StreamableHTTPClientTransport(new URL(`${daemon.d.url}/mcp`));
    const client = await connect(transport);
    const expected = LIST_SERVERS * LIST_TOOLS;
    // /mcp lists the gateway's own tools (pygent__, rag__) after the servers' ones.
    const serversTools = (tools) => tools.filter((tool) => !tool.name.startsWith("pygent__") && !tool.name.startsWith("rag__")).length;
    const list = async () => serversTools((await client.listTools()).tools);
    const t0 = performance.now();
    while ((await list()) < expected) {
      if (performance.now() - t0 > 60_000) throw new Error(`the gateway did not list ${expected} tools within 60 s`);
      await sleep(200);
    }
    for (let i = 0; i < 20; i++) await list();
    const load = os.loadavg()[0];
    const cpu0 = cpuTicks(daemon.d.pid);
    const times = [];
    let bytes = 0;
    for (let i = 0; i < LISTS; i++) {
      const t = performance.now();
      const { tools } = await client.listTools();
      times.push(performance.now() - t);
      if (serversTools(tools) !== expected) throw new Error(`tools/list gave ${serversTools(tools)} servers' tools, not ${expected}`);
      if (i === 0) bytes = JSON.stringify(tools).length;
    }
    const cpu1 = cpuTicks(daemon.d.pid);
    // The same lists in the same session read by a bare HTTP client (JSON.parse only): the
    // gateway's own answer time, without the SDK client's schema check of 1,000 tools.
    const bare = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let answer = null;
    for (let i = 0; i < LISTS + 20; i++) {
      const t = performance.now();
      answer = await bareRequest(`${daemon.d.url}/mcp`, agent, transport, { jsonrpc: "2.0", id: `list-${i}`, method: "tools/list" });
      if (i >= 20) bare.push(performance.now() - t);
      if (serversTools(answer.result.tools) !== expected) throw new Error(`tools/list (bare) gave ${serversTools(answer.result.tools)} servers' tools, not ${expected}`);
    }
    agent.destroy();
    await client.close();
    const floor = await measureStaticFloor(dir, JSON.stringify(answer));
    const search = await measureSearch(daemon.d.url);
    times.sort((a, b) => a - b);
    bare.sort((a, b) => a - b);
    return {
      servers: LIST_SERVERS,
      tools: expected,
      lists: LISTS,
      start_s,
      list_kb: bytes / 1024,
      p50_ms: percentile(times, 50),
      p95_ms: percentile(times, 95),
      p99_ms: percentile(times, 99),
      bare_client_p50_ms: percentile(bare, 50),
      bare_client_p95_ms: percentile(bare, 95),
      static_floor_p50_ms: floor,
      search_profile: search,
      daemon_cpu_ms_per_list: ((cpu1 - cpu0) * 1000) / clockTicks() / LISTS,
      load_average_1m: load,
    };
  } finally {
    await stopDaemon(daemon.d);
  }
}

/** The gateway benchmark; returns its JSON document (`"bench":"gateway"`). */
export async function runGateway() {
  installCleanupHandlers();
  const started = Date.now();
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-gateway-")));
  for (const d of ["pygent", "hub", "lists"]) fs.mkdirSync(path.join(tmp, d), { recursive: true });
  if (CPU_PROF_DIR) fs.mkdirSync(CPU_PROF_DIR, { recursive: true });
  const errors = [];
  let daemon = null;
  let rounds = { results: { direct: [], http_floor: [], pygent_mcp: [], pygent_stdio: [], mcp_hub: [] }, loads: [] };
  let lists = null;
  try {
    const starters = {
      direct: () => startDirect(),
      http_floor: () => startHttpFloor(),
      pygent_mcp: async () => startPygentMcp((daemon ??= await startPygentDaemon(path.join(tmp, "pygent"), [{ id: SERVER_ID, command: everything() }]))),
      pygent_stdio: () => (daemon ? startPygentStdio(daemon) : Promise.reject(new Error("the daemon did not start"))),
      mcp_hub: () => startHub(path.join(tmp, "hub")),
    };
    const scale = { warmup: WARMUP, sequential: SEQUENTIAL, callers: CALLERS, perCaller: PER_CALLER };
    rounds = await measureContenders("gateway", starters, ROUNDS, scale, errors);
  } finally {
    if (daemon) await stopDaemon(daemon.d);
    for (const d of descendants(process.pid)) if (cmdline(d.pid).includes("server-everything")) process.kill(d.pid, "SIGKILL");
  }
  try {
    lists = await measureLists(path.join(tmp, "lists"));
    log(`gateway tools/list, ${lists.servers} servers × ${LIST_TOOLS} tools: p50 ${lists.p50_ms.toFixed(2)} ms, daemon CPU ${lists.daemon_cpu_ms_per_list.toFixed(2)} ms/list`);
    log(`gateway search profile: ${lists.search_profile.tools_listed} tools listed, pygent__search_tools over ${lists.tools} tools p50 ${lists.search_profile.search_p50_ms.toFixed(2)} ms`);
  } catch (err) {
    errors.push(`tools/list: ${err?.message ?? err}`);
    log(`gateway: tools/list failed: ${err?.stack ?? err}`);
  } finally {
    killEverything();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const { direct, http_floor: floor, pygent_mcp: mcp, pygent_stdio: relay, mcp_hub: hub } = rounds.results;
  const over = (a) => pairwise(a, direct, "p50_ms", (x, y) => x - y);
  const ratios = {
    http_floor_p50_minus_direct_ms: over(floor),
    pygent_mcp_p50_minus_direct_ms: over(mcp),
    pygent_stdio_p50_minus_direct_ms: over(relay),
    mcp_hub_p50_minus_direct_ms: over(hub),
    pygent_mcp_vs_direct_concurrent_calls_per_s: ratioOf(mcp, direct, "concurrent_calls_per_s"),
    pygent_stdio_vs_direct_concurrent_calls_per_s: ratioOf(relay, direct, "concurrent_calls_per_s"),
    mcp_hub_vs_direct_concurrent_calls_per_s: ratioOf(hub, direct, "concurrent_calls_per_s"),
    pygent_mcp_vs_mcp_hub_daemon_cpu_per_call: ratioOf(mcp, hub, "daemon_cpu_ms_per_call"),
    http_floor_vs_direct_concurrent_calls_per_s: ratioOf(floor, direct, "concurrent_calls_per_s"),
    // Against the bare HTTP relay: how far the gateway is from what HTTP alone costs here.
    pygent_mcp_p50_minus_http_floor_ms: pairwise(mcp, floor, "p50_ms", (x, y) => x - y),
    pygent_mcp_vs_http_floor_concurrent_calls_per_s: ratioOf(mcp, floor, "concurrent_calls_per_s"),
    pygent_mcp_vs_http_floor_daemon_cpu_per_call: ratioOf(mcp, floor, "daemon_cpu_ms_per_call"),
  };
  const cpu = (results) => spread(results.filter(Boolean).map((r) => r.daemon_cpu_ms_per_call))?.median;
  const summary = { direct: summarise(direct), http_floor: summarise(floor), pygent_mcp: summarise(mcp), pygent_stdio: summarise(relay), mcp_hub: summarise(hub) };
  const hubFigure = (key, unit) => `mcp-hub ${figure(summary.mcp_hub?.[key]?.median, unit)}`;
  const floorFigure = (key, unit) => `bare HTTP relay ${figure(summary.http_floor?.[key]?.median, unit)}`;
  const out = {
    bench: "gateway",
    quick: QUICK,
    rounds: ROUNDS,
    tool: "server-everything echo (stdio), a message of its own per call",
    sequential_calls: SEQUENTIAL,
    concurrent: { callers: CALLERS, calls: CALLERS * PER_CALLER },
    warmup_calls: WARMUP,
    order: "rotated per round",
    load_average_1m: spread(rounds.loads),
    ...summary,
    ratios,
    tools_list: lists,
    targets: [
      target("/mcp call p50 over the direct SDK's", ratios.pygent_mcp_p50_minus_direct_ms, {
        max: 0.5,
        unit: " ms",
        detail: `mcp-hub +${figure(ratios.mcp_hub_p50_minus_direct_ms, " ms")}, bare HTTP relay +${figure(ratios.http_floor_p50_minus_direct_ms, " ms")}`,
      }),
      target("pygent mcp (stdio) call p50 over the direct SDK's", ratios.pygent_stdio_p50_minus_direct_ms, { max: 0.5, unit: " ms" }),
      target("/mcp calls/s with 16 in flight vs the direct SDK's", ratios.pygent_mcp_vs_direct_concurrent_calls_per_s, {
        min: 0.8,
        unit: "×",
        detail:
          `${figure(summary.pygent_mcp?.concurrent_calls_per_s?.median)}/s, direct ${figure(summary.direct?.concurrent_calls_per_s?.median)}/s, ` +
          `${hubFigure("concurrent_calls_per_s", "/s")}, ${floorFigure("concurrent_calls_per_s", "/s")} (/mcp ${figure(ratios.pygent_mcp_vs_http_floor_concurrent_calls_per_s, "×")} of it)`,
      }),
      target("pygent mcp (stdio) calls/s with 16 in flight vs the direct SDK's", ratios.pygent_stdio_vs_direct_concurrent_calls_per_s, { min: 0.8, unit: "×" }),
      target("daemon CPU per /mcp call", cpu(mcp), {
        max: 0.3,
        unit: " ms",
        detail: `${hubFigure("daemon_cpu_ms_per_call", " ms")}, ${floorFigure("daemon_cpu_ms_per_call", " ms")} (/mcp ${figure(ratios.pygent_mcp_vs_http_floor_daemon_cpu_per_call, "×")} of it)`,
      }),
      target("relay + daemon CPU per pygent mcp call", cpu(relay), { max: 0.3, unit: " ms" }),
      target(`tools/list p50 with ${LIST_SERVERS} servers × ${LIST_TOOLS} tools, the gateway's answer read by a bare HTTP client`, lists?.bare_client_p50_ms, {
        max: 5,
        unit: " ms",
        detail:
          `${figure(lists?.list_kb, " kB")} answer, ${figure(lists?.daemon_cpu_ms_per_list, " ms")} of daemon CPU per list; ` +
          `the same bytes from a bare node:http server, fetched and parsed alike: ${figure(lists?.static_floor_p50_ms, " ms")}`,
      }),
      target(`tools/list p50 with ${LIST_SERVERS} servers × ${LIST_TOOLS} tools, read by the SDK client (its schema check included)`, lists?.p50_ms, { max: 5, unit: " ms" }),
    ],
  };
  if (errors.length) {
    out.errors = errors;
    process.exitCode = 1;
  }
  out.wall_s = (Date.now() - started) / 1000;
  return out;
}
