/** Language models: the chat and embedding contracts, and the providers that implement them. */
export type { ChatChunk, ChatMessage, ChatModel, ChatRequest, ChatResponse, ChatRole, ChatTool, ChatUsage, Embedder, ToolCall } from "./types.js";
export { contentWords, HASHED_EMBEDDER_DIMENSIONS, HashedEmbedder } from "./hashed-embedder.js";
export { cosineOfUnit } from "./vectors.js";
export { createChatModels, type ChatModels } from "./chat-models.js";
export { createOllamaEmbedder, createOllamaModel, ollamaModels, ollamaVersion, type OllamaEmbedderOptions, type OllamaOptions } from "./ollama.js";
export { createOpenAiEmbedder, createOpenAiModel, type OpenAiEmbedderOptions, type OpenAiOptions } from "./openai-compatible.js";
export { createScriptedModel, type ScriptedModelOptions } from "./scripted-model.js";
