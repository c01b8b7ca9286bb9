/** Language models: the chat and embedding contracts, and the providers that implement them. */
export type { ChatChunk, ChatMessage, ChatModel, ChatRequest, ChatResponse, ChatRole, ChatTool, ChatUsage, Embedder, ToolCall } from "./types.js";
export { contentWords, HASHED_EMBEDDER_DIMENSIONS, HashedEmbedder } from "./hashed-embedder.js";
export { cosineOfUnit } from "./vectors.js";
