/**
 * The language-model contracts every provider implements and every user (agents, memory,
 * retrieval) depends on: a chat model that may call tools, and an embedder. Providers (Ollama,
 * OpenAI-compatible endpoints, the built-in hashed embedder) live beside this file.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool";

/** A tool call the model asked for; `id` ties the tool's answer back to it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** On an assistant message: the tools it wants called. */
  toolCalls?: ToolCall[];
  /** On a tool message: the call it answers. */
  toolCallId?: string;
  /** On a tool message: the tool's name. */
  name?: string;
}

/** A tool offered to the model: its name and its input as JSON Schema. */
export interface ChatTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ChatTool[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResponse {
  message: ChatMessage;
  usage: ChatUsage;
  model: string;
  /** Why the model stopped, as the provider said it ("stop", "length", "tool_calls"...). */
  doneReason?: string;
}

/** A streamed answer: text as it comes, each tool call once whole, then the whole response. */
export type ChatChunk =
  | { type: "text"; text: string }
  | { type: "tool_call"; call: ToolCall }
  | { type: "done"; response: ChatResponse };

export interface ChatModel {
  /** "ollama", "openai" or "scripted". */
  readonly provider: string;
  readonly model: string;
  chat(request: ChatRequest): Promise<ChatResponse>;
  stream(request: ChatRequest): AsyncIterable<ChatChunk>;
}

export interface Embedder {
  /**
   * Names the vector space: provider, model and dimensions (e.g. "hashed:v1:512",
   * "ollama:nomic-embed-text:768"). An index records it and refuses vectors of another.
   */
  readonly id: string;
  readonly dimensions: number;
  /** One unit-length vector per text, in order. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}
