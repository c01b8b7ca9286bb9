/**
 * Any OpenAI-compatible endpoint (OpenAI, llama.cpp's server, vLLM, LM Studio, Ollama's /v1):
 * chat with tools over `/chat/completions` as server-sent events (tool-call arguments arrive in
 * pieces, joined by index; an `error` object in the stream is raised naming the endpoint), and
 * `/embeddings`. The key comes from an environment variable and is sent only as a bearer token.
 */
import { AppError } from "../core/errors.js";
import { collectChat } from "./collect-chat.js";
import { endpointUrl, errorTextOf, parseLine, postLines, requestJson, unitLength, type EndpointOptions } from "./endpoint.js";
import type { ChatChunk, ChatMessage, ChatModel, ChatRequest, Embedder, ToolCall } from "./types.js";

export interface OpenAiOptions extends Omit<EndpointOptions, "provider"> {
  model: string;
  apiKey?: string | undefined;
}

function endpointOf(options: OpenAiOptions): EndpointOptions {
  const { apiKey, ...rest } = options;
  return { ...rest, provider: "openai", headers: { ...rest.headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) } };
}

function toOpenAiMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === "tool") return { role: "tool", tool_call_id: message.toolCallId ?? "", content: message.content };
  const out: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.toolCalls?.length) {
    out.tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } }));
  }
  return out;
}

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

interface StreamDelta {
  content?: unknown;
  tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
}

const CHAT_PATH = "/chat/completions";

export function createOpenAiModel(options: OpenAiOptions): ChatModel {
  const endpoint = endpointOf(options);
  const url = endpointUrl(options.url, CHAT_PATH);
  const failed = (message: string) => new AppError("LLM_FAILED", `openai at ${url} ${message}`, { provider: "openai", url });

  function finishCalls(partial: Map<number, PartialCall>): ToolCall[] {
    return [...partial.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => {
        let args: unknown = {};
        try {
          args = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
        } catch {
          throw failed(`sent tool call ${call.name || index} with arguments that are not JSON: ${call.arguments.slice(0, 200)}`);
        }
        const record = args && typeof args === "object" && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
        return { id: call.id || `call_${index}`, name: call.name, arguments: record };
      });
  }

  async function* stream(request: ChatRequest): AsyncGenerator<ChatChunk> {
    const body = {
      model: options.model,
      messages: request.messages.map(toOpenAiMessage),
      stream: true,
      stream_options: { include_usage: true },
      ...(request.tools?.length
        ? { tools: request.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } })) }
        : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    };
    let content = "";
    let model = options.model;
    let doneReason: string | undefined;
    let usage = { promptTokens: 0, completionTokens: 0 };
    const partial = new Map<number, PartialCall>();
    let finished = false;
    for await (const line of postLines(endpoint, CHAT_PATH, body, request.signal)) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") {
        finished = true;
        break;
      }
      const part = parseLine(endpoint, CHAT_PATH, data);
      if (part.error !== undefined) throw failed(`failed mid-answer: ${errorTextOf(JSON.stringify(part))}`);
      if (typeof part.model === "string") model = part.model;
      const reported = part.usage as { prompt_tokens?: number; completion_tokens?: number } | null | undefined;
      if (reported) usage = { promptTokens: reported.prompt_tokens ?? 0, completionTokens: reported.completion_tokens ?? 0 };
      const choice = (part.choices as { delta?: StreamDelta; finish_reason?: string | null }[] | undefined)?.[0];
      if (!choice) continue;
      if (typeof choice.finish_reason === "string") doneReason = choice.finish_reason;
      const delta = choice.delta ?? {};
      if (typeof delta.content === "string" && delta.content !== "") {
        content += delta.content;
        yield { type: "text", text: delta.content };
      }
      for (const piece of delta.tool_calls ?? []) {
        const index = piece.index ?? 0;
        const call = partial.get(index) ?? { id: "", name: "", arguments: "" };
        if (piece.id) call.id = piece.id;
        if (piece.function?.name) call.name += piece.function.name;
        if (piece.function?.arguments) call.arguments += piece.function.arguments;
        partial.set(index, call);
      }
    }
    if (!finished && doneReason === undefined) throw failed("ended its answer before saying it was done");
    const toolCalls = finishCalls(partial);
    for (const call of toolCalls) yield { type: "tool_call", call };
    yield {
      type: "done",
      response: {
        message: { role: "assistant", content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
        usage,
        model,
        ...(doneReason === undefined ? {} : { doneReason }),
      },
    };
  }

  return { provider: "openai", model: options.model, stream, chat: (request) => collectChat(stream(request)) };
}

export interface OpenAiEmbedderOptions extends OpenAiOptions {
  dimensions: number;
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const endpoint = endpointOf(options);
  const url = endpointUrl(options.url, "/embeddings");
  return {
    id: `openai:${options.model}:${options.dimensions}`,
    dimensions: options.dimensions,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const answer = (await requestJson(endpoint, "/embeddings", { model: options.model, input: texts }, signal)) as { data?: { index?: number; embedding?: number[] }[] };
      const data = [...(answer.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== texts.length) {
        throw new AppError("LLM_FAILED", `openai at ${url} returned ${data.length} vectors for ${texts.length} texts`, { provider: "openai", url });
      }
      return data.map(({ embedding = [] }) => {
        if (embedding.length !== options.dimensions) {
          throw new AppError("LLM_FAILED", `openai at ${url}: ${options.model} gives ${embedding.length} dimensions, the config says ${options.dimensions}`, {
            provider: "openai",
            url,
          });
        }
        return unitLength(embedding);
      });
    },
  };
}
