/**
 * The Agent Factory end to end in a real daemon: the official filesystem and memory servers over
 * stdio, agents created over the API, and a task that needs both — write a file with
 * `filesystem__write_file`, then record a fact with `memory__create_entities` — run by a model
 * that asks for exactly those calls: the scripted model, and the Ollama provider against a local
 * server speaking Ollama's API. The run shows both steps; the file exists; the memory server has
 * the entity; the audit log and the tool_called events name the agent as the caller. Agents and
 * their runs come back after a restart.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DomainEvent, ToolCalledEvent } from "../src/bus/index.js";
import { packageBin } from "../src/config/package-bin.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { startFakeLlmServer, type FakeLlmServer } from "./helpers/fake-llm-server.js";
import { api } from "./helpers/json-api.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let workspace: string;
let daemon: Daemon | undefined;
let fake: FakeLlmServer | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-agents-");
  workspace = join(dir, "workspace");
  mkdirSync(workspace);
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await fake?.close();
  fake = undefined;
  removeTempDir(dir);
});

/** The two tool calls of the task, as the model asks for them. */
function taskCalls(): { name: string; arguments: Record<string, unknown> }[] {
  return [
    { name: "filesystem__write_file", arguments: { path: join(workspace, "shopping.txt"), content: "{{task}}" } },
    { name: "memory__create_entities", arguments: { entities: [{ name: "shopping", entityType: "list", observations: ["{{task}}"] }] } },
  ];
}

function writeConfig(llm: Record<string, unknown>): string {
  const configPath = join(dir, "mcp_server_configs.json");
  const node = process.execPath;
  const config = {
    servers: [
      { id: "filesystem", command: [node, packageBin("@modelcontextprotocol/server-filesystem"), workspace], startup_timeout: 30, shutdown_timeout: 2 },
      { id: "memory", command: [node, packageBin("@modelcontextprotocol/server-memory")], env: { MEMORY_FILE_PATH: join(dir, "memory.jsonl") }, startup_timeout: 30, shutdown_timeout: 2 },
    ],
    llm,
  };
  writeFileSync(configPath, JSON.stringify(config));
  return configPath;
}

async function startDaemon(configPath: string): Promise<{ daemon: Daemon; url: string }> {
  daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
  const started = await daemon.start();
  await started.settled;
  for (const id of ["filesystem", "memory"]) {
    await waitFor(() => (daemon!.manager.get(id).state === "running" ? true : undefined), { timeoutMs: 30_000, message: `${id} running` });
  }
  return { daemon, url: started.url };
}


interface StepJson {
  step: number;
  content: string;
  model_latency_ms: number;
  prompt_tokens: number;
  tool_calls: { name: string; arguments: Record<string, unknown>; result: string | null; is_error: boolean; error: string | null; latency_ms: number }[];
}

interface RunJson {
  id: string;
  status: string;
  answer: string | null;
  error: string | null;
  model: string;
  step_count: number;
  steps: StepJson[];
}

const agentSettings = { tools: ["filesystem__*", "memory__*"], memory: { enabled: false } };

/** Creates an agent and runs the task over the API; asserts what a user sees of the run. */
async function runTheTask(url: string, running: Daemon): Promise<{ agentId: string; run: RunJson; events: DomainEvent[] }> {
  const events: DomainEvent[] = [];
  running.bus.subscribeAll((event) => events.push(event));
  const created = await api<{ id: string; state: string }>(url, "POST", "/api/v1/agents", { name: "scribe", type: "general", settings: agentSettings });
  expect(created.status).toBe(201);
  expect(created.json.state).toBe("idle");
  const agentId = created.json.id;
  const ran = await api<RunJson>(url, "POST", `/api/v1/agents/${agentId}/runs`, { task: "buy milk and eggs" });
  expect(ran.status).toBe(200);
  const run = ran.json;
  expect(run.status).toBe("completed");
  expect(run.steps.map((step) => step.tool_calls.map((call) => call.name))).toEqual([["filesystem__write_file"], ["memory__create_entities"], []]);
  for (const call of run.steps.flatMap((step) => step.tool_calls)) {
    expect(call.error).toBeNull();
    expect(call.is_error).toBe(false);
    expect(call.latency_ms).toBeGreaterThan(0);
  }
  expect(run.steps[0]!.tool_calls[0]!.result).toContain("Successfully wrote");
  expect(readFileSync(join(workspace, "shopping.txt"), "utf8")).toBe("buy milk and eggs");
  return { agentId, run, events };
}

/** What the memory server holds, read through the REST tool call. */
async function memoryGraph(url: string): Promise<string> {
  const answer = await api<{ content: { text: string }[] }>(url, "POST", "/api/v1/mcp/servers/memory/tools/read_graph/call", { arguments: {} });
  return answer.json.content.map((block) => block.text).join("");
}

describe("agents in the daemon", { timeout: 120_000 }, () => {
  it("runs a task that writes a file and records a fact, through the gateway, as the agent", async () => {
    const script = taskCalls().map((call) => ({ say: `calling ${call.name}`, tool_calls: [call] }));
    const { daemon: running, url } = await startDaemon(writeConfig({ providers: { script: { type: "scripted", script } } }));
    const { agentId, run, events } = await runTheTask(url, running);
    expect(run.answer).toContain("shopping");
    expect(run.model).toBe("scripted/script");

    expect(await memoryGraph(url)).toContain("buy milk and eggs");

    const calls = events.filter((event): event is ToolCalledEvent => event.type === "tool_called" && event.caller.name === `agent:${agentId}`);
    expect(calls.map((event) => [event.server_id, event.tool, event.via, event.ok])).toEqual([
      ["filesystem", "write_file", "agent", true],
      ["memory", "create_entities", "agent", true],
    ]);
    expect(events.filter((event) => event.type.startsWith("agent_")).map((event) => event.type)).toEqual([
      "agent_run_started",
      "agent_step",
      "agent_step",
      "agent_step",
      "agent_run_finished",
    ]);

    const audit = await waitFor(
      async () => {
        const entries = (await api<{ entries: { actor: { name: string }; action: string; target: string; ok: boolean }[] }>(url, "GET", `/api/v1/audit?actor=agent:${agentId}`)).json.entries;
        return entries.length >= 2 ? entries : undefined;
      },
      { timeoutMs: 5000, message: "the agent's tool calls in the audit log" },
    );
    expect(audit.map((entry) => [entry.action, entry.target, entry.ok]).reverse()).toEqual([
      ["agent.tool_call", "filesystem/write_file", true],
      ["agent.tool_call", "memory/create_entities", true],
    ]);

    const listed = await api<{ runs: { id: string; step_count: number }[] }>(url, "GET", `/api/v1/agents/${agentId}/runs`);
    expect(listed.json.runs).toEqual([expect.objectContaining({ id: run.id, step_count: 3 })]);
    const health = await api<{ status: string; details: Record<string, unknown> }>(url, "GET", "/api/v1/health/agents");
    expect(health.json.status).toBe("healthy");
    expect(health.json.details).toMatchObject({ factory_enabled: true, total: 1, active: 0, errored: 0, by_type: { general: 1 }, providers: ["script"] });
  });

  it("pygent agents create, run (printing each step as it is recorded), show, stop and delete", async () => {
    const script = taskCalls().map((call) => ({ say: `calling ${call.name}`, tool_calls: [call] }));
    const { url } = await startDaemon(writeConfig({ providers: { script: { type: "scripted", script } } }));
    const env = { PYGENT_URL: url };
    const created = await runCliCaptured(["agents", "create", "scribe", "--type", "general", "--tools", "filesystem__*,memory__*", "--no-memory", "--json"], env);
    expect(created.stderr).toBe("");
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    const ran = await runCliCaptured(["agents", "run", id, "buy milk and eggs", "--poll-interval", "50"], env);
    expect(ran.code).toBe(0);
    const lines = ran.stdout.split("\n");
    expect(lines[0]).toMatch(/^run \S+ \(scripted\/script\)$/);
    expect(lines.filter((line) => line.startsWith("step "))).toHaveLength(3);
    expect(ran.stdout).toMatch(/^step 1 \(model [\d.]+ ms, \d+\+\d+ tokens\): calling filesystem__write_file$/m);
    expect(ran.stdout).toMatch(/^ {2}-> filesystem__write_file \{"path":".*shopping\.txt","content":"buy milk and eggs"\} \([\d.]+ ms\): Successfully wrote/m);
    expect(ran.stdout).toMatch(/^ {2}-> memory__create_entities /m);
    expect(ran.stdout).toMatch(/^completed in 3 step\(s\)/m);
    const listed = await runCliCaptured(["agents", "list"], env);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+scribe\\s+general\\s+idle`));
    const shown = await runCliCaptured(["agents", "show", id], env);
    expect(shown.stdout).toContain("completed");
    expect((await runCliCaptured(["agents", "stop", id], env)).stdout).toContain(": stopped");
    const refused = await runCliCaptured(["agents", "run", id, "again"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is stopped: cannot run; start it first");
    expect((await runCliCaptured(["agents", "delete", id], env)).stdout).toBe(`Deleted agent ${id}.\n`);
    expect((await runCliCaptured(["agents", "list"], env)).stdout).toContain("No agents.");
    expect((await runCliCaptured(["agents", "templates"], env)).stdout).toMatch(/^reasoning\s+sequential-thinking__\*/m);
  });

  it("runs the same task with the Ollama provider against a server speaking Ollama's API", async () => {
    fake = await startFakeLlmServer();
    const calls = taskCalls().map((call) => ({ ...call, arguments: JSON.parse(JSON.stringify(call.arguments).replaceAll("{{task}}", "buy milk and eggs")) as Record<string, unknown> }));
    fake.enqueue({ kind: "reply", content: "Writing it down.", toolCalls: [calls[0]!] }, { kind: "reply", toolCalls: [calls[1]!] }, { kind: "reply", content: "Saved and remembered." });
    const { daemon: running, url } = await startDaemon(writeConfig({ providers: { local: { type: "ollama", url: fake.url, model: "llama3.2" } } }));
    const { run } = await runTheTask(url, running);
    expect(run.answer).toBe("Saved and remembered.");
    expect(run.model).toBe("ollama/llama3.2");
    expect(run.steps[0]!.prompt_tokens).toBe(42);
    expect(await memoryGraph(url)).toContain("buy milk and eggs");
    // The model saw the tools it may use and each tool's answer tied to its call.
    const chats = fake.requests.filter((entry) => entry.path === "/api/chat");
    expect(chats).toHaveLength(3);
    const offered = (chats[0]!.body.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(offered).toContain("filesystem__write_file");
    expect(offered).toContain("memory__create_entities");
    expect(offered.some((name) => name.startsWith("pygent__"))).toBe(false);
    const second = chats[1]!.body.messages as { role: string; content: string }[];
    expect(second.at(-1)).toMatchObject({ role: "tool" });
    expect(second.at(-1)!.content).toContain("Successfully wrote");
  });

  it("puts the agent in its error state when its model cannot be reached, and health says so", async () => {
    fake = await startFakeLlmServer();
    fake.enqueue({ kind: "http_error", status: 404, error: 'model "llama3.2" not found, try pulling it first' });
    const { url } = await startDaemon(writeConfig({ providers: { local: { type: "ollama", url: fake.url, model: "llama3.2" } } }));
    const created = await api<{ id: string }>(url, "POST", "/api/v1/agents", { name: "broken", type: "coding", settings: { memory: { enabled: false } } });
    const ran = await api<RunJson>(url, "POST", `/api/v1/agents/${created.json.id}/runs`, { task: "fix the build" });
    expect(ran.json.status).toBe("failed");
    expect(ran.json.error).toContain('model "llama3.2" not found');
    const agent = await api<{ state: string; last_error: string }>(url, "GET", `/api/v1/agents/${created.json.id}`);
    expect(agent.json.state).toBe("error");
    const again = await api<{ error: { code: string; message: string } }>(url, "POST", `/api/v1/agents/${created.json.id}/runs`, { task: "fix the build" });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain("is error: cannot run");
    const health = await api<{ status: string; reasons: string[] }>(url, "GET", "/api/v1/health/agents");
    expect(health.json.status).toBe("warning");
    expect(health.json.reasons[0]).toContain("1 of 1 agents");
    expect((await api<{ state: string }>(url, "POST", `/api/v1/agents/${created.json.id}/start`)).json.state).toBe("idle");
  });

  it("refuses bad input naming the field: an unknown type, a missing model", async () => {
    const { url } = await startDaemon(writeConfig({}));
    const badType = await api<{ error: { code: string; message: string } }>(url, "POST", "/api/v1/agents", { name: "x", type: "wizard" });
    expect(badType.status).toBe(400);
    expect(badType.json.error.message).toContain("type");
    const noModel = await api<{ error: { code: string; details: { issues: { field: string; message: string }[] } } }>(url, "POST", "/api/v1/agents", { name: "x", type: "general" });
    expect(noModel.status).toBe(400);
    const fields = noModel.json.error.details.issues.map((issue) => issue.field);
    expect(fields).toEqual(["settings.model"]);
    expect(noModel.json.error.details.issues[0]!.message).toContain("no model provider is configured");
    const missing = await api<{ error: { code: string } }>(url, "GET", "/api/v1/agents/nope");
    expect([missing.status, missing.json.error.code]).toEqual([404, "AGENT_NOT_FOUND"]);
    expect((await api<{ agents: unknown[] }>(url, "GET", "/api/v1/agents")).json.agents).toEqual([]);
  });

  it("scores an agent on tasks for an evolution run by trials through the gateway that keep no run", async () => {
    const script = taskCalls().map((call) => ({ say: `calling ${call.name}`, tool_calls: [call] }));
    const { url } = await startDaemon(writeConfig({ providers: { script: { type: "scripted", script } } }));
    const created = await api<{ id: string }>(url, "POST", "/api/v1/agents", { name: "scribe", type: "general", settings: agentSettings });
    const agentId = created.json.id;
    const started = await api<{ id: string }>(url, "POST", "/api/v1/evolution/runs", {
      name: "scribe's instructions",
      kind: "agent",
      agent_id: agentId,
      tasks: [{ id: "write", prompt: "buy bread", scorer: { kind: "tool_calls", expected: [{ name: "filesystem__write_file" }, { name: "memory__create_entities" }] } }],
      settings: { population: 2, generations: 2, elite: 1 },
    });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    let run = { state: "running", best_score: null as number | null };
    for (let i = 0; i < 300 && run.state === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await api<typeof run>(url, "GET", `/api/v1/evolution/runs/${started.json.id}`)).json;
    }
    expect(run).toMatchObject({ state: "finished", best_score: 1 });
    expect(readFileSync(join(workspace, "shopping.txt"), "utf8")).toBe("buy bread");
    expect((await api<{ runs: unknown[] }>(url, "GET", `/api/v1/agents/${agentId}/runs`)).json.runs).toEqual([]);
  });

  it("builds an agent's context from the daemon's retrieval index and its memory, and keeps the exchange in memory", async () => {
    fake = await startFakeLlmServer();
    const { url } = await startDaemon(writeConfig({ providers: { local: { type: "ollama", url: fake.url, model: "llama3.2" } } }));
    const ingested = await api(url, "POST", "/api/v1/rag/documents", {
      name: "rotation.md",
      text: "# Key rotation\nRotate the signing key every ninety days and keep the previous key for verification only.",
    });
    expect(ingested.status).toBe(201);
    const created = await api<{ id: string }>(url, "POST", "/api/v1/agents", { name: "librarian", type: "research" });
    expect(created.status).toBe(201);
    const agentId = created.json.id;
    expect((await api(url, "POST", `/api/v1/memory/${agentId}/facts`, { content: "The team calls the signing key the crown key." })).status).toBe(201);
    fake.enqueue({ kind: "reply", content: "Every ninety days." });
    const ran = await api<RunJson>(url, "POST", `/api/v1/agents/${agentId}/runs`, { task: "How often is the signing key rotated?" });
    expect(ran.json.status).toBe("completed");
    const asked = JSON.stringify(fake.requests.find((request) => request.path === "/api/chat")!.body);
    expect(asked).toContain("Rotate the signing key every ninety days");
    expect(asked).toContain("crown key");
    const kept = await api<{ items: { kind: string; content: string }[] }>(url, "GET", `/api/v1/memory/${agentId}?limit=50`);
    expect(kept.json.items.map((item) => item.content).join("\n")).toContain("Every ninety days.");
  });

  it("restores agents and their runs after a restart; a run cut short by the stop is recorded as interrupted", async () => {
    fake = await startFakeLlmServer();
    const configPath = writeConfig({ providers: { local: { type: "ollama", url: fake.url, model: "llama3.2" } } });
    let { url } = await startDaemon(configPath);
    const made = async (name: string) => (await api<{ id: string }>(url, "POST", "/api/v1/agents", { name, type: "reasoning" })).json.id;
    const [done, stopped, busy] = [await made("done"), await made("stopped"), await made("busy")];
    fake.enqueue({ kind: "reply", content: "42" });
    const finished = (await api<RunJson>(url, "POST", `/api/v1/agents/${done}/runs`, { task: "six times seven?" })).json;
    expect(finished.answer).toBe("42");
    await api(url, "POST", `/api/v1/agents/${stopped}/stop`);
    fake.enqueue({ kind: "hang" });
    const hanging = await api<RunJson>(url, "POST", `/api/v1/agents/${busy}/runs`, { task: "think forever", wait: false });
    expect(hanging.status).toBe(202);
    expect(hanging.json.status).toBe("running");
    expect((await api<{ state: string }>(url, "GET", `/api/v1/agents/${busy}`)).json.state).toBe("running");
    await daemon!.stop();
    daemon = undefined;

    ({ url } = await startDaemon(configPath));
    const agents = (await api<{ agents: { id: string; name: string; state: string }[] }>(url, "GET", "/api/v1/agents")).json.agents;
    expect(agents.map((agent) => [agent.name, agent.state])).toEqual([
      ["done", "idle"],
      ["stopped", "stopped"],
      ["busy", "idle"],
    ]);
    const kept = (await api<RunJson>(url, "GET", `/api/v1/agents/${done}/runs/${finished.id}`)).json;
    expect(kept).toMatchObject({ status: "completed", answer: "42", step_count: 1 });
    expect(kept.steps[0]!.content).toBe("42");
    const cut = (await api<RunJson>(url, "GET", `/api/v1/agents/${busy}/runs/${hanging.json.id}`)).json;
    expect(cut).toMatchObject({ status: "interrupted", error: "the daemon stopped during the run" });
    expect(existsSync(join(dir, "data"))).toBe(true);
  });
});
