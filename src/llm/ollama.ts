/**
 * Ollama: chat with tools over `/api/chat` (NDJSON streaming; an error can arrive as a line under
 * status 200, after text has been sent, and is raised naming the endpoint), embeddings over
 * `/api/embed`, and the read-only `/api/tags` and `/api/version`. Nothing here pulls a model.
 */
import { AppError } from "../core/errors.js";
import { collectChat } from "./collect-chat.js";
import { endpointUrl, parseLine, postLines, requestJson, unitLength, type EndpointOptions } from "./endpoint.js";
import type { ChatChunk, ChatMessage, ChatModel, ChatRequest, Embedder, ToolCall } from "./types.js";

export interface OllamaOptions extends Omit<EndpointOptions, "provider"> {
  model: string;
}

interface OllamaToolCall {
  id?: string;
  function?: { name?: unknown; arguments?: unknown };
}

function toOllamaMessage(message: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.toolCalls?.length) {
    out.tool_calls = message.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.arguments } }));
  }
  if (message.role === "tool" && message.name !== undefined) out.tool_name = message.name;
  return out;
}

function argumentsOf(value: unknown): Record<string, unknown> {
  if (typeof value === "string") {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      return { input: value };
    }
  }
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function createOllamaModel(options: OllamaOptions): ChatModel {
  const endpoint: EndpointOptions = { ...options, provider: "ollama" };
  let calls = 0;

  async function* stream(request: ChatRequest): AsyncGenerator<ChatChunk> {
    const body = {
      model: options.model,
      messages: request.messages.map(toOllamaMessage),
      stream: true,
      ...(request.tools?.length
        ? { tools: request.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } })) }
        : {}),
      options: {
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.maxTokens === undefined ? {} : { num_predict: request.maxTokens }),
      },
    };
    let content = "";
    const toolCalls: ToolCall[] = [];
    for await (const line of postLines(endpoint, "/api/chat", body, request.signal)) {
      const part = parseLine(endpoint, "/api/chat", line);
      if (part.error !== undefined) {
        const url = endpointUrl(options.url, "/api/chat");
        throw new AppError("LLM_FAILED", `ollama at ${url} failed mid-answer: ${String(part.error)}`, { provider: "ollama", url });
      }
      const message = (part.message ?? {}) as { content?: unknown; tool_calls?: OllamaToolCall[] };
      if (typeof message.content === "string" && message.content !== "") {
        content += message.content;
        yield { type: "text", text: message.content };
      }
      for (const raw of message.tool_calls ?? []) {
        calls += 1;
        const call: ToolCall = { id: raw.id ?? `call_${calls}`, name: String(raw.function?.name ?? ""), arguments: argumentsOf(raw.function?.arguments) };
        toolCalls.push(call);
        yield { type: "tool_call", call };
      }
      if (part.done === true) {
        yield {
          type: "done",
          response: {
            message: { role: "assistant", content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
            usage: { promptTokens: Number(part.prompt_eval_count ?? 0), completionTokens: Number(part.eval_count ?? 0) },
            model: typeof part.model === "string" ? part.model : options.model,
            ...(typeof part.done_reason === "string" ? { doneReason: part.done_reason } : {}),
          },
        };
        return;
      }
    }
    const url = endpointUrl(options.url, "/api/chat");
    throw new AppError("LLM_FAILED", `ollama at ${url} ended its answer before saying it was done`, { provider: "ollama", url });
  }

  return {
    provider: "ollama",
    model: options.model,
    stream,
    chat: (request) => collectChat(stream(request)),
  };
}

export interface OllamaEmbedderOptions extends Omit<EndpointOptions, "provider"> {
  model: string;
  dimensions: number;
}

export function createOllamaEmbedder(options: OllamaEmbedderOptions): Embedder {
  const endpoint: EndpointOptions = { ...options, provider: "ollama" };
  return {
    id: `ollama:${options.model}:${options.dimensions}`,
    dimensions: options.dimensions,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const answer = (await requestJson(endpoint, "/api/embed", { model: options.model, input: texts }, signal)) as { embeddings?: unknown };
      const url = endpointUrl(options.url, "/api/embed");
      const vectors = Array.isArray(answer.embeddings) ? (answer.embeddings as unknown[]) : [];
      if (vectors.length !== texts.length) {
        throw new AppError("LLM_FAILED", `ollama at ${url} returned ${vectors.length} vectors for ${texts.length} texts`, { provider: "ollama", url });
      }
      return vectors.map((vector) => {
        const values = Array.isArray(vector) ? (vector as number[]) : [];
        if (values.length !== options.dimensions) {
          throw new AppError("LLM_FAILED", `ollama at ${url}: ${options.model} gives ${values.length} dimensions, the config says ${options.dimensions}`, {
            provider: "ollama",
            url,
          });
        }
        return unitLength(values);
      });
    },
  };
}

/** The models pulled into an Ollama (`/api/tags`), by name. */
export async function ollamaModels(options: Omit<EndpointOptions, "provider">, signal?: AbortSignal): Promise<string[]> {
  const answer = (await requestJson({ ...options, provider: "ollama" }, "/api/tags", undefined, signal)) as { models?: { name?: string; model?: string }[] };
  return (answer.models ?? []).map((entry) => entry.name ?? entry.model ?? "").filter((name) => name !== "");
}

/** The Ollama's version (`/api/version`). */
export async function ollamaVersion(options: Omit<EndpointOptions, "provider">, signal?: AbortSignal): Promise<string> {
  const answer = (await requestJson({ ...options, provider: "ollama" }, "/api/version", undefined, signal)) as { version?: unknown };
  return String(answer.version ?? "");
}
