/**
 * The models the config's `llm` section names, built once per config: a chat model per provider,
 * and an embedder for each that names an embedding model. Building sends no request: an endpoint
 * that is down is found when it is used.
 */
import { defaultProviderName, type LlmConfig, type LlmProviderConfig } from "../config/llm-schema.js";
import { createOllamaEmbedder, createOllamaModel } from "./ollama.js";
import { createOpenAiEmbedder, createOpenAiModel } from "./openai-compatible.js";
import { createScriptedModel } from "./scripted-model.js";
import type { ChatModel, Embedder } from "./types.js";

export interface ChatModels {
  /** The provider used when none is named; undefined when none is configured or several are with no default. */
  readonly defaultName: string | undefined;
  /** Provider names, in the config's order. */
  names(): string[];
  get(name: string): ChatModel | undefined;
  embedder(name: string): Embedder | undefined;
}

function build(name: string, provider: LlmProviderConfig, environment: NodeJS.ProcessEnv): { chat: ChatModel; embedder?: Embedder } {
  if (provider.type === "scripted") return { chat: createScriptedModel({ name, script: provider.script }) };
  const endpoint = { url: provider.url, timeoutMs: provider.timeout * 1000, idleTimeoutMs: provider.idle_timeout * 1000 };
  const embedding = provider.embedding_model !== undefined && provider.embedding_dimensions !== undefined
    ? { model: provider.embedding_model, dimensions: provider.embedding_dimensions }
    : undefined;
  if (provider.type === "ollama") {
    return {
      chat: createOllamaModel({ ...endpoint, model: provider.model }),
      ...(embedding ? { embedder: createOllamaEmbedder({ ...endpoint, ...embedding }) } : {}),
    };
  }
  const apiKey = provider.api_key_env === undefined ? undefined : environment[provider.api_key_env];
  return {
    chat: createOpenAiModel({ ...endpoint, model: provider.model, apiKey }),
    ...(embedding ? { embedder: createOpenAiEmbedder({ ...endpoint, ...embedding, apiKey }) } : {}),
  };
}

export function createChatModels(llm: LlmConfig | undefined, environment: NodeJS.ProcessEnv = process.env): ChatModels {
  const built = new Map(Object.entries(llm?.providers ?? {}).map(([name, provider]) => [name, build(name, provider, environment)]));
  return {
    defaultName: defaultProviderName(llm),
    names: () => [...built.keys()],
    get: (name) => built.get(name)?.chat,
    embedder: (name) => built.get(name)?.embedder,
  };
}
