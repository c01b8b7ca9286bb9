// Agent runtime: what one step of an agent's run costs besides its model and its tools, and what an
// agent's tool call through the gateway costs against a direct SDK call. `pygent serve` (the built
// command, with the daemon's Node flags) runs agents whose model is a scripted provider that
// answers at once; tasks are run over the REST API, and the figures per step come from the runs'
// records (each step's start, the model's latency and each tool call's latency as the run loop
// took them). Contenders, measured in turn with the order rotated per round:
//   refused:  runs of 100 steps, each of the first 99 asking for a tool outside the agent's
//             allowlist (the loop refuses it at once: no tool time at all), the last answering;
//   echo:     the same, each step calling server-everything's `echo` through the gateway, with the
//             calls' own recorded time taken out of the step;
//   floor:    the same scripted model called in this process as many times, its history growing
//             as a run's does: what the model itself costs;
//   direct:   the SDK client over stdio to a server-everything of its own, as many `echo` calls as
//             the echo runs make: what the agent's tool call is compared with.
// Beside each run of 100 steps, a run that answers at once (one step) gives the run's fixed CPU,
// so the daemon's CPU per step is the difference over the 99 steps between.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { stepFigures } from "./lib/agent-steps.mjs";
import { envInt, pairwise, percentile, ratioOf, rotatedRounds, round3, spread, summarise } from "./lib/call-rounds.mjs";
import { clockTicks, cpuTicks, logTail, ROOT, startDaemon, stopDaemon, waitAllRunning } from "./lib/daemon.mjs";
import { binOf } from "./lib/servers.mjs";
import { installCleanupHandlers, killEverything, log, registerTempDir } from "./lib/proc.mjs";
import { figure, QUICK, target } from "./lib/targets.mjs";

const ROUNDS = envInt("BENCH_AGENTS_ROUNDS", QUICK ? 2 : 5);
/** Runs of each agent contender per round. */
const RUNS = envInt("BENCH_AGENTS_RUNS", QUICK ? 1 : 10);
/** The most steps an agent may take (`max_steps`' bound): 99 tool steps, then the answer. */
const STEPS = 100;
const DIRECT_WARMUP = 50;
const SERVER_ID = "everything";
const ECHO = `${SERVER_ID}__echo`;
const REFUSED = `${SERVER_ID}__add`;

const everything = () => [process.execPath, binOf("@modelcontextprotocol/server-everything"), "stdio"];
const echoed = (step, task) => `Echo: step ${step} ${task}`;
const cpuMs = (ticks) => (ticks * 1000) / clockTicks();

/** A script of STEPS − 1 steps calling `tool`; past its end the model answers, ending the run. */
const scriptCalling = (tool) =>
  Array.from({ length: STEPS - 1 }, (_, i) => ({ say: `step ${i + 1}`, tool_calls: [{ name: tool, arguments: { message: `step ${i + 1} {{task}}` } }] }));

function daemonConfig() {
  return {
    servers: [{ id: SERVER_ID, command: everything(), health_check_interval: 3600 }],
    llm: {
      default: "answer",
      providers: {
        answer: { type: "scripted", script: [] },
        refused: { type: "scripted", script: scriptCalling(REFUSED) },
        echo: { type: "scripted", script: scriptCalling(ECHO) },
      },
    },
  };
}

async function api(url, method, route, body) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? {} : JSON.parse(text) };
}

async function createAgent(url, name, model) {
  const settings = { model, tools: [ECHO], max_steps: STEPS, memory: { enabled: false }, retrieval: { enabled: false } };
  const created = await api(url, "POST", "/api/v1/agents", { name, type: "reasoning", settings, start: true });
  if (created.status !== 201) throw new Error(`creating agent ${name}: HTTP ${created.status} ${JSON.stringify(created.json).slice(0, 300)}`);
  return created.json.id;
}

/** Runs a task over the API and checks it completed: returns the run, its wall time and the daemon's CPU. */
async function runTask(daemon, agentId, task) {
  const cpu0 = cpuTicks(daemon.pid);
  const began = performance.now();
  const { status, json: run } = await api(daemon.url, "POST", `/api/v1/agents/${agentId}/runs`, { task });
  const wallMs = performance.now() - began;
  const cpu1 = cpuTicks(daemon.pid);
  if (status !== 200 || run.status !== "completed") throw new Error(`run of "${task}": HTTP ${status}, ${JSON.stringify(run).slice(0, 300)}`);
  return { run, wallMs, cpuMs: cpuMs(cpu1 - cpu0) };
}

/** Every step before the last made one call, and `check` accepts it; the last called nothing. */
function checkSteps(run, check) {
  if (run.steps.length !== STEPS) throw new Error(`run ${run.id} took ${run.steps.length} steps, not ${STEPS}`);
  run.steps.forEach((step, i) => {
    const expected = i === STEPS - 1 ? 0 : 1;
    if (step.tool_calls.length !== expected) throw new Error(`run ${run.id} step ${step.step}: ${step.tool_calls.length} tool calls, not ${expected}`);
    if (expected === 1) check(step.tool_calls[0], step.step, run.task);
  });
}

const checkRefused = (call, step) => {
  if (!call.error?.includes("is not available to this agent")) throw new Error(`step ${step}: the call to ${REFUSED} was not refused: ${JSON.stringify(call).slice(0, 200)}`);
};

const checkEcho = (call, step, task) => {
  if (call.error !== null || call.is_error || call.result !== echoed(step, task)) throw new Error(`step ${step}: echo answered ${JSON.stringify(call).slice(0, 200)}`);
};

/**
 * An agent contender: each round, RUNS runs of STEPS steps, each followed by a run of one step.
 * Per step: the wall time from the records (tools taken out) and the daemon's CPU over the 99
 * steps a long run has more than a short one.
 */
function agentContender(daemon, serverPid, { agentId, answerId, check, prefix }) {
  let n = 0;
  return {
    async measure() {
      const load = os.loadavg()[0];
      const figures = [];
      const walls = [];
      const cpuLong = [];
      const cpuShort = [];
      const shortWalls = [];
      const server0 = cpuTicks(serverPid);
      for (let r = 0; r < RUNS; r++) {
        n += 1;
        const long = await runTask(daemon, agentId, `${prefix} ${n}`);
        checkSteps(long.run, check);
        figures.push(stepFigures(long.run));
        walls.push(long.wallMs);
        cpuLong.push(long.cpuMs);
        const short = await runTask(daemon, answerId, `${prefix} answer ${n}`);
        if (short.run.steps.length !== 1) throw new Error(`the run that answers at once took ${short.run.steps.length} steps`);
        shortWalls.push(short.wallMs);
        cpuShort.push(short.cpuMs);
      }
      const server1 = cpuTicks(serverPid);
      const sum = (xs) => xs.reduce((a, b) => a + b, 0);
      const mid = (key) => spread(figures.map((f) => f[key])).median;
      const tools = figures.flatMap((f) => f.tool_latencies_ms).sort((a, b) => a - b);
      return {
        wall_ms_per_step_excluding_tools: mid("wall_ms_per_step_excluding_tools"),
        wall_ms_per_step: mid("wall_ms_per_step"),
        model_ms_per_step: mid("model_ms_per_step"),
        daemon_cpu_ms_per_step: (sum(cpuLong) - sum(cpuShort)) / (RUNS * (STEPS - 1)),
        server_cpu_ms_per_step: cpuMs(server1 - server0) / (RUNS * (STEPS - 1)),
        tool_p50_ms: percentile(tools, 50),
        tool_p95_ms: percentile(tools, 95),
        run_wall_ms: spread(walls).median,
        one_step_run_wall_ms: spread(shortWalls).median,
        one_step_run_daemon_cpu_ms: sum(cpuShort) / RUNS,
        load_average_1m: load,
      };
    },
    stop: async () => undefined,
  };
}

/** The scripted model called directly, RUNS times STEPS calls with the history a run builds: the floor. */
async function floorContender() {
  const [{ createScriptedModel }, { TEMPLATES }] = await Promise.all([import(path.join(ROOT, "dist/llm/index.js")), import(path.join(ROOT, "dist/agents/index.js"))]);
  const config = daemonConfig();
  const model = createScriptedModel({ name: "echo", script: config.llm.providers.echo.script });
  const tools = [{ name: ECHO, description: "Echoes back the input", parameters: { type: "object", properties: { message: { type: "string" } } } }];
  const signal = new AbortController().signal;
  let n = 0;
  const runOnce = async () => {
    n += 1;
    const task = `floor ${n}`;
    const messages = [
      { role: "system", content: TEMPLATES.reasoning.settings.instructions },
      { role: "user", content: task },
    ];
    for (let step = 1; step <= STEPS; step++) {
      const response = await model.chat({ messages, tools, temperature: 0.2, signal });
      messages.push(response.message);
      for (const call of response.message.toolCalls ?? []) messages.push({ role: "tool", content: echoed(step, task), toolCallId: call.id, name: call.name });
    }
    if (messages.at(-1).content !== echoed(STEPS - 1, task)) throw new Error(`the scripted model's last answer was ${JSON.stringify(messages.at(-1)).slice(0, 200)}`);
  };
  await runOnce();
  return {
    async measure() {
      const load = os.loadavg()[0];
      const cpu0 = process.cpuUsage();
      const began = performance.now();
      for (let r = 0; r < RUNS; r++) await runOnce();
      const wall = performance.now() - began;
      const cpu = process.cpuUsage(cpu0);
      return { wall_ms_per_call: wall / (RUNS * STEPS), cpu_ms_per_call: (cpu.user + cpu.system) / 1000 / (RUNS * STEPS), load_average_1m: load };
    },
    stop: async () => undefined,
  };
}

/** The SDK client over stdio to a server of its own, as many echo calls per round as the echo agent makes. */
async function directContender() {
  const [command, ...args] = everything();
  const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
  const client = new Client({ name: "pygent-bench-agents", version: "0.0.0" }, { capabilities: {} });
  await client.connect(transport);
  let n = 0;
  const call = async (step, task) => {
    const result = await client.callTool({ name: "echo", arguments: { message: `step ${step} ${task}` } });
    if (result.isError || result.content?.[0]?.text !== echoed(step, task)) throw new Error(`direct echo answered ${JSON.stringify(result).slice(0, 200)}`);
  };
  for (let i = 0; i < DIRECT_WARMUP; i++) await call(i, "warm-up");
  return {
    async measure() {
      const load = os.loadavg()[0];
      const times = [];
      const cpu0 = process.cpuUsage();
      const server0 = cpuTicks(transport.pid);
      for (let r = 0; r < RUNS; r++) {
        n += 1;
        for (let step = 1; step < STEPS; step++) {
          const began = performance.now();
          await call(step, `direct ${n}`);
          times.push(performance.now() - began);
        }
      }
      const cpu = process.cpuUsage(cpu0);
      const server1 = cpuTicks(transport.pid);
      times.sort((a, b) => a - b);
      return {
        p50_ms: percentile(times, 50),
        p95_ms: percentile(times, 95),
        client_cpu_ms_per_call: (cpu.user + cpu.system) / 1000 / times.length,
        server_cpu_ms_per_call: cpuMs(server1 - server0) / times.length,
        load_average_1m: load,
      };
    },
    stop: () => client.close(),
  };
}

/** A round's progress line for each contender. */
function roundLine(r) {
  if ("wall_ms_per_call" in r) return `scripted model ${r.wall_ms_per_call.toFixed(4)} ms/call`;
  if ("client_cpu_ms_per_call" in r) return `echo p50 ${r.p50_ms.toFixed(3)} ms`;
  return `${r.wall_ms_per_step_excluding_tools.toFixed(3)} ms/step without tools, daemon CPU ${r.daemon_cpu_ms_per_step.toFixed(3)} ms/step, tool p50 ${r.tool_p50_ms.toFixed(2)} ms`;
}

/** The agent runtime benchmark; returns its JSON document (`"bench":"agents"`). */
export async function runAgents() {
  installCleanupHandlers();
  const started = Date.now();
  const tmp = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-bench-agents-")));
  const errors = [];
  const contenders = {};
  let daemon = null;
  let measured = { results: { floor: [], refused: [], echo: [], direct: [] }, loads: [] };
  try {
    daemon = await startDaemon(tmp, daemonConfig());
    const ready = await waitAllRunning(daemon, 1, 120_000);
    if (ready.ready_ms === null) throw new Error(`${ready.error}\n${logTail(daemon)}`);
    const serverPid = ready.servers[0].pid;
    const answerId = await createAgent(daemon.url, "answers at once", "answer");
    contenders.floor = await floorContender();
    contenders.refused = agentContender(daemon, serverPid, { agentId: await createAgent(daemon.url, "refused tool", "refused"), answerId, check: checkRefused, prefix: "refused" });
    contenders.echo = agentContender(daemon, serverPid, { agentId: await createAgent(daemon.url, "echo tool", "echo"), answerId, check: checkEcho, prefix: "echo" });
    contenders.direct = await directContender();
    // One unmeasured round first, so that no contender's first round pays for the others' warm-up.
    for (const c of Object.values(contenders)) await c.measure();
    measured = await rotatedRounds("agents", contenders, Object.keys(contenders), ROUNDS, (c) => c.measure(), roundLine);
    errors.push(...measured.errors);
  } catch (err) {
    errors.push(err?.message ?? String(err));
    log(`agents: ${err?.stack ?? err}`);
  } finally {
    await Promise.allSettled(Object.values(contenders).map((c) => c.stop()));
    if (daemon) await stopDaemon(daemon);
    killEverything();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const { floor, refused, echo, direct } = measured.results;
  const overFloor = (a) => pairwise(a, floor, "wall_ms_per_step_excluding_tools", (x, y) => x - y, "wall_ms_per_call");
  const derived = {
    refused_step_over_model_floor_ms: overFloor(refused),
    echo_step_over_model_floor_ms: overFloor(echo),
    // The daemon's CPU of a tool call through the gateway: an echo step's less a refused step's.
    tool_call_daemon_cpu_ms: pairwise(echo, refused, "daemon_cpu_ms_per_step", (x, y) => x - y),
    agent_tool_p50_minus_direct_ms: pairwise(echo, direct, "tool_p50_ms", (x, y) => x - y, "p50_ms"),
    agent_tool_vs_direct_p50: ratioOf(echo, direct, "tool_p50_ms", "p50_ms"),
  };
  const summary = { floor: summarise(floor), refused: summarise(refused), echo: summarise(echo), direct: summarise(direct) };
  const med = (part, key) => summary[part]?.[key]?.median;
  const load = (part) => `load ${figure(med(part, "load_average_1m"))}`;
  const stepDetail = (part) =>
    `${figure(med(part, "wall_ms_per_step_excluding_tools"), " ms")} a step, the scripted model alone ${figure(med("floor", "wall_ms_per_call"), " ms")}, ` +
    `daemon CPU ${figure(med(part, "daemon_cpu_ms_per_step"), " ms")} a step, ${load(part)}`;
  const out = {
    bench: "agents",
    quick: QUICK,
    rounds: ROUNDS,
    runs_per_round: RUNS,
    steps_per_run: STEPS,
    model: "scripted provider, answers at once",
    tool: `${ECHO} (server-everything over stdio) through the gateway; ${REFUSED} outside the allowlist in the refused runs`,
    order: "rotated per round, after one unmeasured round",
    load_average_1m: spread(measured.loads),
    ...summary,
    derived,
    targets: [
      target("agent step without tool time, over the model's own (tool refused in the loop)", derived.refused_step_over_model_floor_ms, {
        max: 2,
        unit: " ms",
        detail: stepDetail("refused"),
      }),
      target("agent step without tool time, over the model's own (echo through the gateway)", derived.echo_step_over_model_floor_ms, {
        max: 2,
        unit: " ms",
        detail: stepDetail("echo"),
      }),
      target("agent tool call through the gateway, p50 over a direct SDK call's", derived.agent_tool_p50_minus_direct_ms, {
        max: 0.5,
        unit: " ms",
        basis: "the gateway's per-call target",
        detail: `${figure(med("echo", "tool_p50_ms"), " ms")}, direct ${figure(med("direct", "p50_ms"), " ms")} (${figure(derived.agent_tool_vs_direct_p50, "×")}), ${load("echo")}`,
      }),
    ],
  };
  if (errors.length) {
    out.errors = errors;
    process.exitCode = 1;
  }
  out.wall_s = round3((Date.now() - started) / 1000);
  return out;
}
