/**
 * A real Ollama, only when one answers at OLLAMA_URL (e.g. OLLAMA_URL=http://127.0.0.1:11434):
 * its version and models are read, and the first chat model already there answers a short
 * question, streamed. Nothing is pulled: with no chat model present, or no Ollama, the test is
 * skipped and says why.
 */
import { describe, expect, it } from "vitest";
import { createOllamaModel, ollamaModels, ollamaVersion } from "../src/llm/index.js";

const url = process.env.OLLAMA_URL;
const endpoint = { url: url ?? "", timeoutMs: 3000, idleTimeoutMs: 3000 };

async function reachableModel(): Promise<{ model?: string; reason?: string }> {
  if (!url) return { reason: "OLLAMA_URL is not set" };
  try {
    const version = await ollamaVersion(endpoint);
    const model = (await ollamaModels(endpoint)).find((name) => !/embed/i.test(name));
    if (!model) return { reason: `Ollama ${version} at ${url} has no chat model pulled (PyGent never pulls one)` };
    return { model };
  } catch (error) {
    return { reason: `no Ollama answers at ${url}: ${(error as Error).message}` };
  }
}

const found = await reachableModel();
if (found.reason) console.info(`llm-ollama-live: skipped, ${found.reason}`);

describe.skipIf(found.model === undefined)("a real Ollama", { timeout: 300_000 }, () => {
  it("answers a short question, streamed", async () => {
    const model = createOllamaModel({ url: url!, model: found.model!, timeoutMs: 240_000, idleTimeoutMs: 120_000 });
    let streamed = "";
    let final = "";
    for await (const chunk of model.stream({ messages: [{ role: "user", content: "Reply with the single word: pong" }], temperature: 0, maxTokens: 32 })) {
      if (chunk.type === "text") streamed += chunk.text;
      if (chunk.type === "done") final = chunk.response.message.content;
    }
    expect(final).toBe(streamed);
    expect(final.toLowerCase()).toContain("pong");
  });
});
