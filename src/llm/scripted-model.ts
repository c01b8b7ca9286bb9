/**
 * A model that answers from a script: step N of the script is its N-th turn since the last user
 * message, whatever was said, so a run is the same every time. `{{task}}` in a step's text or in a
 * tool call's string arguments becomes that user message. Past the last step it answers with the
 * last tool result (or "done"), calling nothing, which ends an agent's run. Tests use it, and so
 * can a person trying agents with no model at hand.
 */
import type { ScriptedStep } from "../config/llm-schema.js";
import type { ChatChunk, ChatMessage, ChatModel, ChatRequest, ChatResponse, ToolCall } from "./types.js";

export interface ScriptedModelOptions {
  /** Named in answers' `model`. */
  name?: string;
  script: readonly ScriptedStep[];
}

function fill(value: unknown, task: string): unknown {
  if (typeof value === "string") return value.replaceAll("{{task}}", task);
  if (Array.isArray(value)) return value.map((item) => fill(item, task));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, task)]));
  return value;
}

/** Words, roughly: what the usage figures count, so that tokens are never reported as zero. */
function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function createScriptedModel(options: ScriptedModelOptions): ChatModel {
  const model = options.name ?? "script";

  function answer(messages: readonly ChatMessage[]): ChatResponse {
    const lastUser = messages.findLastIndex((message) => message.role === "user");
    const task = lastUser >= 0 ? messages[lastUser]!.content : "";
    const since = messages.slice(lastUser + 1);
    const turn = since.filter((message) => message.role === "assistant").length;
    const step = options.script[turn];
    const prompt = messages.reduce((sum, message) => sum + words(message.content), 0);
    if (!step) {
      const lastTool = since.findLast((message) => message.role === "tool");
      const content = lastTool ? lastTool.content : "done";
      return { message: { role: "assistant", content }, usage: { promptTokens: prompt, completionTokens: words(content) }, model, doneReason: "stop" };
    }
    const toolCalls: ToolCall[] = step.tool_calls.map((call, index) => ({
      id: `call_${turn + 1}_${index + 1}`,
      name: call.name,
      arguments: fill(call.arguments, task) as Record<string, unknown>,
    }));
    const content = fill(step.say, task) as string;
    return {
      message: { role: "assistant", content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
      usage: { promptTokens: prompt, completionTokens: words(content) + toolCalls.length },
      model,
      doneReason: toolCalls.length > 0 ? "tool_calls" : "stop",
    };
  }

  async function* stream(request: ChatRequest): AsyncGenerator<ChatChunk> {
    request.signal?.throwIfAborted();
    const response = answer(request.messages);
    if (response.message.content !== "") yield { type: "text", text: response.message.content };
    for (const call of response.message.toolCalls ?? []) yield { type: "tool_call", call };
    yield { type: "done", response };
  }

  return {
    provider: "scripted",
    model,
    stream,
    async chat(request) {
      request.signal?.throwIfAborted();
      return answer(request.messages);
    },
  };
}
