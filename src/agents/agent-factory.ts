/**
 * The Agent Factory: creates agents from templates, moves them through their lifecycle (kept in
 * the store, so they come back after a restart), and runs their tasks — context from the memory
 * and retrieval ports, the model from the config's providers, tools through the gateway — with
 * each run and step stored and published on the bus as it happens. One run at a time per agent.
 * Every agent answers on the bus: a question asked on its subject (by another agent, through the
 * gateway's `pygent__ask_agent`) becomes a run, and the reply is what that run came to.
 */
import type { AuditService } from "../audit/index.js";
import { agentAskSubject, type AgentToolCallRecord, type MessageBus, type RequestEnvelope, type RequestReply, type Unsubscribe } from "../bus/index.js";
import type { Clock } from "../core/clock.js";
import { AppError, errorMessage, type FieldIssue } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Logger } from "../core/logger.js";
import type { Gateway } from "../gateway/index.js";
import type { AgentFactoryFigures } from "../health/index.js";
import type { ChatModel, ChatModels } from "../llm/index.js";
import type { AgentRecord, AgentRunRecord, AgentsRepository, AgentStepRecord } from "../store/index.js";
import { buildContext, missingPorts, type AgentMemoryPort, type RetrievalPort } from "./context-sources.js";
import { nextState, type AgentAction, type AgentState } from "./lifecycle.js";
import { runLoop, type LoopOutcome, type RunStep } from "./run-loop.js";
import type { AgentView, CreateAgentBody, RunDetail, RunView, StepView } from "./schemas.js";
import { AGENT_TYPES, AgentSettingsSchema, resolveSettings, TEMPLATES, type AgentSettings, type AgentTemplate, type AgentType } from "./templates.js";
import { openToolSession } from "./tool-session.js";

export interface AgentFactoryDeps {
  repository: AgentsRepository;
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  gateway: Pick<Gateway, "openServer" | "toolTarget">;
  audit: Pick<AuditService, "record">;
  /** The configured chat models, read at each use so that a reloaded config applies. */
  models: () => ChatModels;
  memory?: AgentMemoryPort | undefined;
  retrieval?: RetrievalPort | undefined;
  /** The bus's request/reply: each agent answers questions on its own subject (agentAskSubject). */
  requests?: Pick<RequestReply, "respond"> | undefined;
}

export interface AgentFactory {
  /** Ends the runs a previous daemon left unfinished (`interrupted`) and returns their agents to idle. */
  restore(): Promise<void>;
  templates(): AgentTemplate[];
  create(body: CreateAgentBody): Promise<AgentView>;
  list(): Promise<AgentView[]>;
  get(id: string): Promise<AgentView>;
  start(id: string): Promise<AgentView>;
  /** Stops the agent; a run under way is cancelled first. */
  stop(id: string): Promise<AgentView>;
  /** Deletes the agent with its runs (and its memories, when memory is wired). */
  remove(id: string): Promise<void>;
  /** Runs a task; with `wait` false, resolves once the run has started. */
  run(id: string, task: string, options: { wait: boolean }): Promise<RunDetail>;
  runs(id: string, limit: number): Promise<RunView[]>;
  runDetail(id: string, runId: string): Promise<RunDetail>;
  figures(): Promise<AgentFactoryFigures>;
  /**
   * Runs a task as the agent would with other settings (an evolution's candidate), keeping
   * nothing: no run is recorded, no memory written, the agent's state untouched. Its tool calls
   * go through the gateway like any of the agent's.
   */
  trial(id: string, settings: Partial<Pick<AgentSettings, "instructions" | "tools" | "temperature" | "max_steps">>, task: string): Promise<TrialOutcome>;
  /** Ends the runs under way (they are recorded as interrupted; their agents stay idle) and waits for them. */
  close(): Promise<void>;
}

/** What an agent asked on the bus replies: its run's end. */
export interface AskReply {
  agent_id: string;
  run_id: string;
  status: RunDetail["status"];
  answer: string | null;
  error: string | null;
}

/** What a trial produced, as the evolution's scorers read it. */
export interface TrialOutcome {
  answer: string;
  tool_calls: { name: string; arguments: Record<string, unknown> }[];
  retrieved: string[];
}

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
  /** Why the run is being ended early: a stop asked for, or the daemon closing. */
  ending?: "stop" | "close";
}

function viewOf(record: AgentRecord): AgentView {
  return {
    id: record.id,
    name: record.name,
    type: (AGENT_TYPES as readonly string[]).includes(record.type) ? (record.type as AgentType) : "general",
    state: record.state as AgentState,
    last_error: record.last_error,
    settings: AgentSettingsSchema.parse(record.settings),
    created_at: record.created_at,
    updated_at: record.updated_at,
  };
}

function runViewOf(record: AgentRunRecord): RunView {
  const { steps, ...rest } = record;
  return { ...rest, status: record.status as RunView["status"], step_count: steps };
}

function stepViewOf(record: AgentStepRecord): StepView {
  const { run_id: _run, ...rest } = record;
  return { ...rest, tool_calls: record.tool_calls as AgentToolCallRecord[] };
}

function invalid(issues: FieldIssue[]): AppError {
  return new AppError("VALIDATION_FAILED", issues.map((issue) => `${issue.field}: ${issue.message}`).join("; "), { issues });
}

export function createAgentFactory(deps: AgentFactoryDeps): AgentFactory {
  const { repository, bus, clock } = deps;
  const logger = deps.logger.child({ module: "agents" });
  const ports = { memory: deps.memory, retrieval: deps.retrieval };
  const inFlight = new Map<string, InFlight>();
  const answering = new Map<string, Unsubscribe>();

  async function record(id: string): Promise<AgentRecord> {
    const found = await repository.get(id);
    if (!found) throw new AppError("AGENT_NOT_FOUND", `no agent has the id ${id}`, { agent_id: id });
    return found;
  }

  async function move(agent: AgentRecord, action: AgentAction, lastError: string | null = null): Promise<AgentRecord> {
    const state = nextState(agent.id, agent.state as AgentState, action);
    const at = clock.now();
    await repository.setState(agent.id, state, lastError, at);
    return { ...agent, state, last_error: lastError, updated_at: at };
  }

  /** The provider an agent's settings name (or the default one), or the problem with it. */
  function modelFor(settings: AgentSettings): { name: string; model: ChatModel } | { problem: string } {
    const models = deps.models();
    const configured = models.names();
    const name = settings.model ?? models.defaultName;
    if (name === undefined) {
      return {
        problem:
          configured.length === 0
            ? "no model provider is configured; add one under llm.providers in the config file (type scripted answers from a script with no model)"
            : `no provider named and no llm.default among several (configured: ${configured.join(", ")})`,
      };
    }
    const model = models.get(name);
    return model ? { name, model } : { problem: `names no provider (configured: ${configured.length > 0 ? configured.join(", ") : "none"})` };
  }

  async function detail(run: AgentRunRecord): Promise<RunDetail> {
    return { ...runViewOf(run), steps: (await repository.steps(run.id)).map(stepViewOf) };
  }

  function auditToolCall(agentId: string, runId: string, call: AgentToolCallRecord): void {
    const target = deps.gateway.toolTarget(call.name);
    void deps.audit.record({
      actor: { id: agentId, name: `agent:${agentId}` },
      action: "agent.tool_call",
      target: target ? `${target.serverId}/${target.name}` : call.name,
      ok: call.error === null && !call.is_error,
      details: { run_id: runId, tool: call.name, arguments: call.arguments, ...(call.error === null ? {} : { error: call.error }) },
      values_hidden: ["arguments"],
    });
  }

  async function remember(agent: AgentView, task: string, outcome: LoopOutcome): Promise<void> {
    const memory = agent.settings.memory.enabled ? ports.memory : undefined;
    if (!memory) return;
    try {
      if (outcome.answer !== null) {
        await memory.appendMessages(agent.id, [
          { role: "user", content: task },
          { role: "assistant", content: outcome.answer },
        ]);
      }
      const said = (outcome.answer ?? outcome.error ?? "").slice(0, 300);
      await memory.recordEpisode(agent.id, `${outcome.status}: ${task.slice(0, 300)} -> ${said}`, outcome.status === "completed" ? 0.5 : 0.7);
    } catch (error) {
      logger.warn({ agent_id: agent.id, err: errorMessage(error) }, "the run's exchange was not kept in memory");
    }
  }

  /** Runs the task to its end and records it; never throws. */
  async function execute(agent: AgentView, run: AgentRunRecord, model: ChatModel, flight: InFlight): Promise<void> {
    let outcome: LoopOutcome;
    let steps = 0;
    try {
      const tools = await openToolSession(deps.gateway, { id: agent.id, runId: run.id }, agent.settings.tools);
      try {
        const context = await buildContext(agent.id, agent.settings, run.task, ports);
        logger.debug({ agent_id: agent.id, run_id: run.id, context: context.summary, tools: tools.tools.length }, "agent run context built");
        outcome = await runLoop(context.messages, {
          model,
          tools,
          settings: agent.settings,
          now: () => clock.now(),
          signal: flight.controller.signal,
          onToolCall: (call) => auditToolCall(agent.id, run.id, call),
          onStep: async (step: RunStep) => {
            steps = step.step;
            await repository.appendStep({ run_id: run.id, ...step });
            bus.publish({ type: "agent_step", agent_id: agent.id, run_id: run.id, ...step, at: clock.now() });
          },
        });
      } finally {
        await tools.close().catch((error: unknown) => logger.debug({ err: errorMessage(error) }, "agent tool session did not close cleanly"));
      }
    } catch (error) {
      outcome = { status: "failed", answer: null, error: errorMessage(error), modelFailed: true, prompt_tokens: 0, completion_tokens: 0, steps };
    }
    // Cut short by the daemon's stop: recorded as a restart finds such a run, and the agent stays ready.
    const status = flight.ending === "close" ? "interrupted" : outcome.status;
    const error = flight.ending === "close" ? "the daemon stopped during the run" : outcome.error;
    const at = clock.now();
    try {
      await repository.finishRun(run.id, { status, answer: outcome.answer, error, prompt_tokens: outcome.prompt_tokens, completion_tokens: outcome.completion_tokens, finished_at: at });
      const current = await record(agent.id);
      const action: AgentAction = flight.ending === "stop" ? "stop" : outcome.modelFailed && flight.ending === undefined ? "fail" : "finish";
      await move(current, action, action === "fail" ? outcome.error : null);
    } catch (error) {
      logger.error({ agent_id: agent.id, run_id: run.id, err: errorMessage(error) }, "the end of an agent's run was not recorded");
    }
    if (flight.ending === undefined) await remember(agent, run.task, outcome);
    bus.publish({ type: "agent_run_finished", agent_id: agent.id, run_id: run.id, status, steps: outcome.steps, answer: outcome.answer, error, at });
  }

  /** A question on the agent's subject, run as its task; a refusal (stopped, busy, unknown) is the responder's failure. */
  async function answer(id: string, request: RequestEnvelope): Promise<AskReply> {
    const payload = request.payload as { question?: unknown } | null;
    if (typeof payload?.question !== "string" || payload.question === "") {
      throw invalid([{ field: "question", message: "must be a non-empty string" }]);
    }
    logger.info({ agent_id: id, from: request.from, correlation_id: request.correlation_id }, "agent asked on the bus");
    const run = await factory.run(id, payload.question, { wait: true });
    return { agent_id: id, run_id: run.id, status: run.status, answer: run.answer, error: run.error };
  }

  function listen(id: string): void {
    if (!deps.requests || answering.has(id)) return;
    answering.set(id, deps.requests.respond(agentAskSubject(id), (request) => answer(id, request)));
  }

  async function endRun(id: string, ending: "stop" | "close"): Promise<void> {
    const flight = inFlight.get(id);
    if (!flight) return;
    flight.ending ??= ending;
    flight.controller.abort(new Error(ending === "stop" ? "the agent was stopped" : "the daemon is stopping"));
    await flight.done;
  }

  const factory: AgentFactory = {
    async trial(id, overrides, task) {
      const agent = viewOf(await record(id));
      const settings: AgentSettings = { ...agent.settings, ...overrides, memory: { ...agent.settings.memory, enabled: false } };
      const chosen = modelFor(settings);
      if ("problem" in chosen) throw invalid([{ field: "settings.model", message: chosen.problem }]);
      const tools = await openToolSession(deps.gateway, { id, runId: `trial-${newId()}` }, settings.tools);
      try {
        const context = await buildContext(id, settings, task, ports);
        const calls: TrialOutcome["tool_calls"] = [];
        const outcome = await runLoop(context.messages, {
          model: chosen.model,
          tools,
          settings,
          now: () => clock.now(),
          signal: new AbortController().signal,
          onStep: async (step) => {
            for (const call of step.tool_calls) calls.push({ name: call.name, arguments: call.arguments });
          },
        });
        return { answer: outcome.answer ?? "", tool_calls: calls, retrieved: context.sources };
      } finally {
        await tools.close().catch(() => undefined);
      }
    },

    async restore() {
      const at = clock.now();
      const interrupted = await repository.endUnfinishedRuns("running", "interrupted", "the daemon stopped during the run", at);
      let agents = 0;
      for (const agent of await repository.list()) {
        if (agent.state !== "running") continue;
        await move(agent, "finish");
        agents += 1;
      }
      for (const agent of await repository.list()) listen(agent.id);
      if (interrupted > 0 || agents > 0) logger.warn({ runs: interrupted, agents }, "runs the daemon's previous run left unfinished are recorded as interrupted");
    },

    templates: () => AGENT_TYPES.map((type) => TEMPLATES[type]),

    async create(body) {
      const settings = resolveSettings(body.type, body.settings);
      const issues: FieldIssue[] = missingPorts(settings, ports);
      const model = modelFor(settings);
      if ("problem" in model) issues.push({ field: "settings.model", message: model.problem });
      if (issues.length > 0) throw invalid(issues);
      const at = clock.now();
      let agent: AgentRecord = { id: newId(), name: body.name, type: body.type, settings, state: "created", last_error: null, created_at: at, updated_at: at };
      await repository.insert(agent);
      if (body.start) agent = await move(agent, "start");
      listen(agent.id);
      logger.info({ agent_id: agent.id, type: agent.type, state: agent.state }, "agent created");
      return viewOf(agent);
    },

    async list() {
      return (await repository.list()).map(viewOf);
    },

    async get(id) {
      return viewOf(await record(id));
    },

    async start(id) {
      const agent = await record(id);
      if (agent.state === "idle" || agent.state === "running") return viewOf(agent);
      return viewOf(await move(agent, "start"));
    },

    async stop(id) {
      if (inFlight.has(id)) {
        await endRun(id, "stop");
        return viewOf(await record(id));
      }
      const agent = await record(id);
      if (agent.state === "stopped") return viewOf(agent);
      return viewOf(await move(agent, "stop"));
    },

    async remove(id) {
      await record(id);
      await endRun(id, "stop");
      const agent = await record(id);
      nextState(id, agent.state as AgentState, "delete");
      await repository.remove(id);
      answering.get(id)?.();
      answering.delete(id);
      if (ports.memory) await ports.memory.forget(id).catch((error: unknown) => logger.warn({ agent_id: id, err: errorMessage(error) }, "the agent's memories were not forgotten"));
      logger.info({ agent_id: id }, "agent deleted");
    },

    async run(id, task, options) {
      if (inFlight.has(id)) nextState(id, "running", "run");
      // Claimed before the first await, so that a second request at once finds the agent busy.
      const flight: InFlight = { controller: new AbortController(), done: Promise.resolve() };
      inFlight.set(id, flight);
      let agent: AgentView;
      let model: ChatModel;
      let run: AgentRunRecord;
      try {
        const current = await record(id);
        agent = viewOf(current);
        nextState(id, agent.state, "run");
        const chosen = modelFor(agent.settings);
        if ("problem" in chosen) throw invalid([{ field: "settings.model", message: chosen.problem }]);
        model = chosen.model;
        await move(current, "run");
        run = {
          id: newId(),
          agent_id: id,
          task,
          status: "running",
          answer: null,
          error: null,
          model: `${model.provider}/${model.model}`,
          prompt_tokens: 0,
          completion_tokens: 0,
          started_at: clock.now(),
          finished_at: null,
          steps: 0,
        };
        const { steps: _steps, ...row } = run;
        await repository.insertRun(row);
      } catch (error) {
        inFlight.delete(id);
        throw error;
      }
      bus.publish({ type: "agent_run_started", agent_id: id, run_id: run.id, task, model: run.model, at: run.started_at });
      flight.done = execute(agent, run, model, flight).finally(() => inFlight.delete(id));
      if (options.wait) await flight.done;
      const stored = await repository.getRun(id, run.id);
      return detail(stored ?? run);
    },

    async runs(id, limit) {
      await record(id);
      return (await repository.listRuns(id, limit)).map(runViewOf);
    },

    async runDetail(id, runId) {
      await record(id);
      const run = await repository.getRun(id, runId);
      if (!run) throw new AppError("RUN_NOT_FOUND", `agent ${id} has no run ${runId}`, { agent_id: id, run_id: runId });
      return detail(run);
    },

    async figures() {
      const agents = await repository.list();
      const count = (key: (agent: AgentRecord) => string) =>
        agents.reduce<Record<string, number>>((out, agent) => ({ ...out, [key(agent)]: (out[key(agent)] ?? 0) + 1 }), {});
      const models = deps.models();
      return {
        factory_enabled: true,
        total: agents.length,
        active: agents.filter((agent) => agent.state === "running").length,
        errored: agents.filter((agent) => agent.state === "error").length,
        by_type: count((agent) => agent.type),
        by_state: count((agent) => agent.state),
        providers: models.names(),
        default_provider: models.defaultName ?? null,
      };
    },

    async close() {
      for (const stop of answering.values()) stop();
      answering.clear();
      await Promise.all([...inFlight.keys()].map((id) => endRun(id, "close")));
    },
  };
  return factory;
}
