/**
 * `pygent agents ...`: the Agent Factory over the daemon's API — templates, create, list, show,
 * start, stop, delete, and `run`, which starts a task and prints each step as it is recorded
 * (the model's words, each tool call with its arguments, latency and answer) until the run ends.
 */
import { InvalidArgumentError, type Command } from "commander";
import type { AgentSettings, AgentTemplate, AgentView, RunDetail, RunView, StepView } from "../../agents/index.js";
import { clientFor, EXIT_FAILURE, examples, printJson, withDaemonOptions, type CliContext, type CliIo } from "../cli-context.js";
import type { ApiClient } from "../client.js";
import { parsePositiveInt } from "../option-parsers.js";
import { formatInstant, formatTable, truncate } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

interface CreateOptions {
  type: string;
  model?: string;
  tools?: string;
  instructions?: string;
  maxSteps?: number;
  temperature?: number;
  memory?: boolean;
  retrieval?: boolean;
  start?: boolean;
  json?: boolean;
}

function parseTemperature(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 2) throw new InvalidArgumentError("must be a number from 0 to 2");
  return n;
}

const agentPath = (id: string) => `/api/v1/agents/${encodeURIComponent(id)}`;

/** The settings a creation changes: only the options given on the command line. */
function settingsOf(options: CreateOptions, cmd: Command): Partial<Record<keyof AgentSettings, unknown>> {
  const given = (key: string) => cmd.getOptionValueSource(key) === "cli";
  return {
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.tools !== undefined ? { tools: options.tools.split(",").map((tool) => tool.trim()).filter(Boolean) } : {}),
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ...(options.maxSteps !== undefined ? { max_steps: options.maxSteps } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(given("memory") ? { memory: { enabled: options.memory } } : {}),
    ...(given("retrieval") ? { retrieval: { enabled: options.retrieval } } : {}),
  };
}

function printStep(io: CliIo, step: StepView): void {
  const tokens = `${step.prompt_tokens}+${step.completion_tokens} tokens`;
  const said = step.content.trim() === "" ? "" : `: ${terminalSafe(truncate(step.content.trim().replace(/\s+/g, " "), 300))}`;
  io.out(`step ${step.step} (model ${step.model_latency_ms} ms, ${tokens})${said}`);
  for (const call of step.tool_calls) {
    const args = truncate(JSON.stringify(call.arguments), 200);
    const answer = call.error ?? call.result ?? "";
    const mark = call.error !== null || call.is_error ? io.paint("x", "red") : io.paint("->", "green");
    io.out(`  ${mark} ${terminalSafe(call.name)} ${terminalSafe(args)} (${call.latency_ms} ms): ${terminalSafe(truncate(answer.replace(/\s+/g, " "), 200))}`);
  }
}

function printRunEnd(ctx: CliContext, run: RunView): void {
  const { io } = ctx;
  const tokens = `${run.prompt_tokens}+${run.completion_tokens} tokens`;
  if (run.status === "completed") {
    io.out(`${io.paint("completed", "green")} in ${run.step_count} step(s), ${tokens}`);
    if (run.answer) io.out(terminalSafe(run.answer));
    return;
  }
  io.out(`${io.paint(run.status, "red")} after ${run.step_count} step(s), ${tokens}${run.error ? `: ${terminalSafe(run.error)}` : ""}`);
  ctx.exitCode = EXIT_FAILURE;
}

/** Polls the run, printing each step once, until it has ended. */
async function follow(ctx: CliContext, client: ApiClient, run: RunDetail, intervalMs: number): Promise<RunDetail> {
  let printed = 0;
  let current = run;
  for (;;) {
    for (const step of current.steps.slice(printed)) printStep(ctx.io, step);
    printed = current.steps.length;
    if (current.status !== "running") return current;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    current = await client.get<RunDetail>(`${agentPath(run.agent_id)}/runs/${encodeURIComponent(run.id)}`);
  }
}

function agentTable(agents: readonly AgentView[]): string {
  return formatTable(agents, [
    { header: "id", value: (agent) => agent.id },
    { header: "name", value: (agent) => agent.name, max: 32 },
    { header: "type", value: (agent) => agent.type },
    { header: "state", value: (agent) => agent.state },
    { header: "model", value: (agent) => agent.settings.model ?? "(default)" },
    { header: "created", value: (agent) => formatInstant(agent.created_at) },
  ]);
}

export function registerAgentsCommand(program: Command, ctx: CliContext): void {
  const agents = program
    .command("agents")
    .description("agents of the Agent Factory: create from a template, run tasks that use the servers' tools")
    .addHelpText(
      "after",
      examples("pygent agents templates", 'pygent agents create scribe --type general --tools "filesystem__*,memory__*"', 'pygent agents run <id> "write a haiku to haiku.txt"') +
        "\nModels are the config's llm.providers (Ollama, an OpenAI-compatible endpoint, or a scripted model); none is ever downloaded.\n",
    );

  withDaemonOptions(agents.command("templates").description("the templates and their settings").option("--json", "print JSON")).action(
    async (options: { json?: boolean }, cmd: Command) => {
      const { templates } = await clientFor(cmd, ctx).get<{ templates: AgentTemplate[] }>("/api/v1/agents/templates");
      if (options.json) return printJson(ctx.io, { templates });
      ctx.io.out(
        formatTable(templates, [
          { header: "type", value: (template) => template.type },
          { header: "tools", value: (template) => template.settings.tools.join(", "), max: 32 },
          { header: "steps", value: (template) => template.settings.max_steps, align: "right" },
          { header: "temp", value: (template) => template.settings.temperature, align: "right" },
          { header: "memory", value: (template) => (template.settings.memory.enabled ? "yes" : "no") },
          { header: "retrieval", value: (template) => (template.settings.retrieval.enabled ? "yes" : "no") },
          { header: "description", value: (template) => template.description, max: 60 },
        ]),
      );
    },
  );

  withDaemonOptions(agents.command("list").alias("ls").description("the agents and their states").option("--json", "print JSON")).action(
    async (options: { json?: boolean }, cmd: Command) => {
      const { agents: list } = await clientFor(cmd, ctx).get<{ agents: AgentView[] }>("/api/v1/agents");
      if (options.json) return printJson(ctx.io, { agents: list });
      ctx.io.out(list.length === 0 ? "No agents. Create one with `pygent agents create <name> --type general`." : agentTable(list));
    },
  );

  withDaemonOptions(
    agents
      .command("create <name>")
      .description("create an agent from a template (started, ready for tasks, unless --no-start)")
      .option("--type <type>", "reasoning, research, coding or general", "general")
      .option("--model <provider>", "a provider of the config's llm.providers (default: llm.default)")
      .option("--tools <patterns>", "comma-separated gateway tool names or globs, e.g. filesystem__*,memory__create_entities")
      .option("--instructions <text>", "replace the template's instructions")
      .option("--max-steps <n>", "model turns per run at most", parsePositiveInt)
      .option("--temperature <t>", "0 to 2", parseTemperature)
      .option("--no-memory", "keep no memory (the Memory Manager is not used)")
      .option("--no-retrieval", "search no documents")
      .option("--no-start", "leave it created; start it later")
      .option("--json", "print JSON"),
  )
    .addHelpText("after", examples('pygent agents create scribe --type general --tools "filesystem__*,memory__*" --no-memory', "pygent agents create thinker --type reasoning --model local"))
    .action(async (name: string, options: CreateOptions, cmd: Command) => {
      const body = { name, type: options.type, settings: settingsOf(options, cmd), start: options.start !== false };
      const agent = await clientFor(cmd, ctx).post<AgentView>("/api/v1/agents", body);
      if (options.json) return printJson(ctx.io, agent);
      ctx.io.out(`Created ${agent.type} agent "${terminalSafe(agent.name)}" (${agent.id}), ${agent.state}.`);
      if (agent.state === "idle") ctx.io.out(`Give it a task: pygent agents run ${agent.id} "<task>"`);
    });

  withDaemonOptions(agents.command("show <id>").description("an agent's settings and its latest runs").option("--json", "print JSON")).action(
    async (id: string, options: { json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const [agent, { runs }] = await Promise.all([client.get<AgentView>(agentPath(id)), client.get<{ runs: RunView[] }>(`${agentPath(id)}/runs`, { limit: 10 })]);
      if (options.json) return printJson(ctx.io, { agent, runs });
      const { io } = ctx;
      io.out(`${terminalSafe(agent.name)} (${agent.id}): ${agent.type}, ${agent.state}${agent.last_error ? ` (${terminalSafe(agent.last_error)})` : ""}`);
      io.out(`model: ${agent.settings.model ?? "(default)"}, tools: ${agent.settings.tools.join(", ") || "(none)"}`);
      io.out(`max steps: ${agent.settings.max_steps}, temperature: ${agent.settings.temperature}, memory: ${agent.settings.memory.enabled ? "on" : "off"}, retrieval: ${agent.settings.retrieval.enabled ? "on" : "off"}`);
      if (runs.length === 0) return io.out("no runs yet");
      io.out(
        formatTable(runs, [
          { header: "run", value: (run) => run.id },
          { header: "status", value: (run) => run.status },
          { header: "steps", value: (run) => run.step_count, align: "right" },
          { header: "started", value: (run) => formatInstant(run.started_at) },
          { header: "task", value: (run) => run.task, max: 50 },
        ]),
      );
    },
  );

  for (const [action, description] of [
    ["start", "start an agent: it takes tasks"],
    ["stop", "stop an agent (a run under way is cancelled)"],
  ] as const) {
    withDaemonOptions(agents.command(`${action} <id>`).description(description)).action(async (id: string, _options: unknown, cmd: Command) => {
      const agent = await clientFor(cmd, ctx).post<AgentView>(`${agentPath(id)}/${action}`);
      ctx.io.out(`${terminalSafe(agent.name)} (${agent.id}): ${agent.state}`);
    });
  }

  withDaemonOptions(agents.command("delete <id>").alias("rm").description("delete an agent with its runs")).action(async (id: string, _options: unknown, cmd: Command) => {
    await clientFor(cmd, ctx).delete(agentPath(id));
    ctx.io.out(`Deleted agent ${id}.`);
  });

  withDaemonOptions(
    agents
      .command("run <id> <task>")
      .description("give an agent a task and print its steps as they happen")
      .option("--poll-interval <ms>", "how often the run is read while it goes on", parsePositiveInt, 300)
      .option("--json", "print the finished run as JSON"),
  )
    .addHelpText("after", examples('pygent agents run 3f2c... "write the shopping list to list.txt and remember it"'))
    .action(async (id: string, task: string, options: { pollInterval: number; json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const started = await client.post<RunDetail>(`${agentPath(id)}/runs`, { task, wait: false });
      if (!options.json) ctx.io.out(`run ${started.id} (${started.model})`);
      const silent: CliContext = { ...ctx, io: { ...ctx.io, out: () => undefined } };
      const run = await follow(options.json ? silent : ctx, client, started, options.pollInterval);
      if (options.json) {
        printJson(ctx.io, run);
        if (run.status !== "completed") ctx.exitCode = EXIT_FAILURE;
        return;
      }
      printRunEnd(ctx, run);
    });
}
