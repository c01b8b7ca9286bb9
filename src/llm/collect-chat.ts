/** A whole answer from a streamed one: every provider's `chat` is its `stream` read to the end. */
import type { ChatChunk, ChatResponse } from "./types.js";

export async function collectChat(stream: AsyncIterable<ChatChunk>): Promise<ChatResponse> {
  for await (const chunk of stream) {
    if (chunk.type === "done") return chunk.response;
  }
  throw new Error("the model's answer ended without its final part");
}
