/**
 * One task, run: the model answers, the tools it asks for are called one after another through the
 * agent's tool session and their answers go back to it, until it answers without calling a tool
 * or the step limit is reached. Each step is handed to `onStep` as soon as it is complete. A
 * tool's failure is the model's to handle (it reads the error); a model that fails ends the run.
 */
import type { AgentRunStatus, AgentToolCallRecord } from "../bus/index.js";
import { errorMessage } from "../core/errors.js";
import type { ChatMessage, ChatModel } from "../llm/index.js";
import type { AgentSettings } from "./templates.js";
import type { ToolSession } from "./tool-session.js";

export interface RunStep {
  step: number;
  started_at: number;
  content: string;
  model_latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  tool_calls: AgentToolCallRecord[];
}

export interface LoopOutcome {
  status: Exclude<AgentRunStatus, "running" | "interrupted">;
  answer: string | null;
  error: string | null;
  /** The error was the model's (unreachable, failing): the agent goes to its error state. */
  modelFailed: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  steps: number;
}

export interface LoopDeps {
  model: ChatModel;
  tools: ToolSession;
  settings: AgentSettings;
  now: () => number;
  signal: AbortSignal;
  onStep: (step: RunStep) => Promise<void>;
  /** Told of each tool call once it has ended (for the audit log). */
  onToolCall?: (call: AgentToolCallRecord) => void;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

async function callTool(tools: ToolSession, name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<Omit<AgentToolCallRecord, "id" | "name" | "arguments">> {
  const began = performance.now();
  if (!tools.allows(name)) {
    return { result: null, is_error: false, error: `the tool "${name}" is not available to this agent (not offered, or not in its allowlist)`, latency_ms: 0 };
  }
  try {
    const answer = await tools.call(name, args, signal);
    return { result: answer.text, is_error: answer.isError, error: null, latency_ms: round(performance.now() - began) };
  } catch (error) {
    return { result: null, is_error: false, error: errorMessage(error), latency_ms: round(performance.now() - began) };
  }
}

export async function runLoop(messages: ChatMessage[], deps: LoopDeps): Promise<LoopOutcome> {
  const { model, tools, settings, signal } = deps;
  const usage = { prompt_tokens: 0, completion_tokens: 0 };
  let last = "";
  for (let step = 1; step <= settings.max_steps; step += 1) {
    const startedAt = deps.now();
    const began = performance.now();
    let response;
    try {
      response = await model.chat({ messages, tools: tools.tools, temperature: settings.temperature, signal });
    } catch (error) {
      if (signal.aborted) return { status: "cancelled", answer: null, error: errorMessage(signal.reason), modelFailed: false, ...usage, steps: step - 1 };
      return { status: "failed", answer: null, error: errorMessage(error), modelFailed: true, ...usage, steps: step - 1 };
    }
    const latency = round(performance.now() - began);
    usage.prompt_tokens += response.usage.promptTokens;
    usage.completion_tokens += response.usage.completionTokens;
    const assistant = response.message;
    last = assistant.content;
    messages.push(assistant);
    const calls: AgentToolCallRecord[] = [];
    for (const call of assistant.toolCalls ?? []) {
      if (signal.aborted) break;
      const record: AgentToolCallRecord = { id: call.id, name: call.name, arguments: call.arguments, ...(await callTool(tools, call.name, call.arguments, signal)) };
      calls.push(record);
      deps.onToolCall?.(record);
      const content = record.error !== null ? `error: ${record.error}` : record.is_error ? `error: ${record.result ?? ""}` : (record.result ?? "");
      messages.push({ role: "tool", content, toolCallId: call.id, name: call.name });
    }
    await deps.onStep({
      step,
      started_at: startedAt,
      content: assistant.content,
      model_latency_ms: latency,
      prompt_tokens: response.usage.promptTokens,
      completion_tokens: response.usage.completionTokens,
      tool_calls: calls,
    });
    if (signal.aborted) return { status: "cancelled", answer: null, error: errorMessage(signal.reason), modelFailed: false, ...usage, steps: step };
    if (calls.length === 0) return { status: "completed", answer: assistant.content, error: null, modelFailed: false, ...usage, steps: step };
  }
  return {
    status: "step_limit",
    answer: last === "" ? null : last,
    error: `stopped after ${settings.max_steps} steps (the agent's max_steps) with the model still calling tools`,
    modelFailed: false,
    ...usage,
    steps: settings.max_steps,
  };
}
