/**
 * The Ollama and OpenAI-compatible providers against a real HTTP server on loopback speaking
 * their APIs (test/helpers/fake-llm-server.ts): tool calls both ways, streaming in pieces, an
 * error arriving mid-stream under status 200, HTTP errors, timeouts, abort, embeddings; and the
 * scripted model. A real Ollama is exercised in llm-ollama-live.test.ts when one answers.
 */
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LlmConfigSchema } from "../src/config/llm-schema.js";
import { validateConfigFile } from "../src/config/validate.js";
import { AppError } from "../src/core/errors.js";
import {
  createChatModels,
  createOllamaEmbedder,
  createOllamaModel,
  createOpenAiEmbedder,
  createOpenAiModel,
  createScriptedModel,
  ollamaModels,
  ollamaVersion,
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
} from "../src/llm/index.js";
import { startFakeLlmServer, type FakeLlmServer } from "./helpers/fake-llm-server.js";

let server: FakeLlmServer;

beforeEach(async () => {
  server = await startFakeLlmServer();
});

afterEach(async () => {
  await server.close();
});

const timeouts = { timeoutMs: 10_000, idleTimeoutMs: 5_000 };

const request: ChatRequest = {
  messages: [
    { role: "system", content: "You write files." },
    { role: "user", content: "write hello" },
  ],
  tools: [{ name: "filesystem__write_file", description: "Write a file", parameters: { type: "object", properties: { path: { type: "string" } } } }],
  temperature: 0.2,
};

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function chunksOf(model: ChatModel, chat: ChatRequest): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const chunk of model.stream(chat)) out.push(chunk);
  return out;
}

const providers = [
  { name: "ollama", make: (over = {}) => createOllamaModel({ url: server.url, model: "llama3.2", ...timeouts, ...over }), chatPath: "/api/chat" },
  { name: "openai", make: (over = {}) => createOpenAiModel({ url: `${server.url}/v1`, model: "gpt-x", apiKey: "sk-test", ...timeouts, ...over }), chatPath: "/v1/chat/completions" },
] as const;

describe.each(providers)("$name provider", ({ name, make, chatPath }) => {
  it("streams text in pieces and returns the whole answer with its usage", async () => {
    server.enqueue({ kind: "reply", content: "Hello there, friend.", chunks: 4 });
    const chunks = await chunksOf(make(), request);
    const texts = chunks.filter((chunk) => chunk.type === "text");
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.map((chunk) => chunk.text).join("")).toBe("Hello there, friend.");
    const done = chunks.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") return;
    expect(done.response.message).toEqual({ role: "assistant", content: "Hello there, friend." });
    expect(done.response.usage).toEqual({ promptTokens: 42, completionTokens: 7 });
  });

  it("offers the tools and reads back the tool calls with their arguments", async () => {
    server.enqueue({ kind: "reply", toolCalls: [{ name: "filesystem__write_file", arguments: { path: "a.txt", content: "hi" } }] });
    const response = await make().chat(request);
    expect(response.message.toolCalls).toEqual([{ id: expect.any(String), name: "filesystem__write_file", arguments: { path: "a.txt", content: "hi" } }]);
    const sent = server.requests.find((entry) => entry.path === chatPath)!.body;
    expect(JSON.stringify(sent.tools)).toContain("filesystem__write_file");
    expect(sent.stream).toBe(true);
    if (name === "openai") expect(server.requests.at(-1)!.headers.authorization).toBe("Bearer sk-test");
  });

  it("sends a tool's answer back tied to its call", async () => {
    server.enqueue({ kind: "reply", content: "written" });
    await make().chat({
      messages: [
        ...request.messages,
        { role: "assistant", content: "", toolCalls: [{ id: "call_7", name: "filesystem__write_file", arguments: { path: "a.txt" } }] },
        { role: "tool", content: "Successfully wrote", toolCallId: "call_7", name: "filesystem__write_file" },
      ],
    });
    const messages = server.requests.at(-1)!.body.messages as Record<string, unknown>[];
    const tool = messages.at(-1)!;
    expect(tool.role).toBe("tool");
    expect(tool.content).toBe("Successfully wrote");
    if (name === "openai") expect(tool.tool_call_id).toBe("call_7");
    else expect(tool.tool_name).toBe("filesystem__write_file");
  });

  it("raises an error that arrives mid-stream under status 200, naming the provider and the URL", async () => {
    server.enqueue({ kind: "error_mid_stream", content: "Partial ", error: "model runner crashed" });
    const model = make();
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of model.stream(request)) if (chunk.type === "text") seen.push(chunk.text);
      })(),
    );
    expect(seen).toEqual(["Partial "]);
    expect(error.code).toBe("LLM_FAILED");
    expect(error.message).toContain(`${name} at ${server.url}${chatPath}`);
    expect(error.message).toContain("model runner crashed");
  });

  it("reports an HTTP error with the endpoint's own message", async () => {
    server.enqueue({ kind: "http_error", status: 404, error: 'model "nope" not found, try pulling it first' });
    const error = await rejection(make().chat(request));
    expect(error.code).toBe("LLM_FAILED");
    expect(error.message).toContain("HTTP 404");
    expect(error.message).toContain('model "nope" not found');
  });

  it("times out an answer that stops coming, naming the endpoint", async () => {
    server.enqueue({ kind: "hang" });
    const started = Date.now();
    const error = await rejection(make({ idleTimeoutMs: 300 }).chat(request));
    expect(error.code).toBe("LLM_TIMEOUT");
    expect(error.message).toMatch(new RegExp(`${name} at http://127\\.0\\.0\\.1:\\d+.*sent nothing for 300 ms`));
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("stops at the whole request's deadline", async () => {
    server.enqueue({ kind: "hang" });
    const error = await rejection(make({ timeoutMs: 300 }).chat(request));
    expect(error.code).toBe("LLM_TIMEOUT");
    expect(error.message).toContain("did not finish within 300 ms");
  });

  it("gives the caller's abort reason back when the caller gives up", async () => {
    server.enqueue({ kind: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user pressed stop")), 100);
    await expect(make().chat({ ...request, signal: controller.signal })).rejects.toThrow("user pressed stop");
  });

  it("says it cannot connect when nothing listens, naming the URL", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const base = name === "ollama" ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`;
    const error = await rejection(make({ url: base }).chat(request));
    expect(error.code).toBe("LLM_UNREACHABLE");
    expect(error.message).toContain(`${name} at http://127.0.0.1:${port}`);
    expect(error.message).toContain("ECONNREFUSED");
  });
});

describe("embedders", () => {
  it("Ollama /api/embed: unit vectors, one per text, named ollama:<model>:<dims>", async () => {
    const embedder = createOllamaEmbedder({ url: server.url, model: "nomic-embed-text", dimensions: 8, ...timeouts });
    expect(embedder.id).toBe("ollama:nomic-embed-text:8");
    const vectors = await embedder.embed(["alpha", "beta gamma"]);
    expect(vectors).toHaveLength(2);
    for (const vector of vectors) {
      expect(vector).toHaveLength(8);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    expect(server.requests.at(-1)!.body).toEqual({ model: "nomic-embed-text", input: ["alpha", "beta gamma"] });
  });

  it("refuses vectors whose length differs from the configured dimensions", async () => {
    const embedder = createOllamaEmbedder({ url: server.url, model: "nomic-embed-text", dimensions: 768, ...timeouts });
    const error = await rejection(embedder.embed(["alpha"]));
    expect(error.message).toContain("gives 8 dimensions, the config says 768");
  });

  it("OpenAI /v1/embeddings", async () => {
    const embedder = createOpenAiEmbedder({ url: `${server.url}/v1`, model: "text-embedding-3-small", dimensions: 8, ...timeouts });
    const [vector] = await embedder.embed(["hello"]);
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 5);
  });

  it("Ollama's models and version, read only", async () => {
    expect(await ollamaModels({ url: server.url, ...timeouts })).toContain("llama3.2:latest");
    expect(await ollamaVersion({ url: server.url, ...timeouts })).toBe("0.9.0-fake");
    expect(server.requests.map((entry) => entry.path).some((path) => path.includes("pull"))).toBe(false);
  });
});

describe("scripted model", () => {
  const script = [
    { say: "Writing.", tool_calls: [{ name: "filesystem__write_file", arguments: { path: "notes.txt", content: "{{task}}" } }] },
    { say: "", tool_calls: [{ name: "memory__create_entities", arguments: { entities: [{ name: "notes", observations: ["{{task}}"] }] } }] },
  ];

  it("answers step N of its script at its N-th turn since the task, filling {{task}}", async () => {
    const model = createScriptedModel({ script });
    const first = await model.chat({ messages: [{ role: "user", content: "remember milk" }] });
    expect(first.message.toolCalls).toEqual([{ id: "call_1_1", name: "filesystem__write_file", arguments: { path: "notes.txt", content: "remember milk" } }]);
    const history = [{ role: "user" as const, content: "remember milk" }, first.message, { role: "tool" as const, content: "ok", toolCallId: "call_1_1" }];
    const second = await model.chat({ messages: history });
    expect(second.message.toolCalls?.[0]?.arguments).toEqual({ entities: [{ name: "notes", observations: ["remember milk"] }] });
    const third = await model.chat({ messages: [...history, second.message, { role: "tool", content: "created notes", toolCallId: "call_2_1" }] });
    expect(third.message).toEqual({ role: "assistant", content: "created notes" });
  });

  it("streams the same answer it gives whole", async () => {
    const chunks = await chunksOf(createScriptedModel({ script }), { messages: [{ role: "user", content: "x" }] });
    expect(chunks.map((chunk) => chunk.type)).toEqual(["text", "tool_call", "done"]);
  });
});

describe("llm config", () => {
  it("builds the configured providers and picks the only one as the default", () => {
    const llm = LlmConfigSchema.parse({ providers: { local: { type: "ollama", model: "llama3.2" } } });
    const models = createChatModels(llm);
    expect(models.defaultName).toBe("local");
    expect(models.get("local")?.provider).toBe("ollama");
    expect(models.get("local")?.model).toBe("llama3.2");
  });

  it("refuses a URL that is not http(s), naming the field", () => {
    const result = validateConfigFile({
      servers: [],
      llm: { providers: { local: { type: "ollama", url: "file:///etc/passwd", model: "llama3.2" } } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.issues.map((issue) => `${issue.field}: ${issue.message}`).join("\n");
    expect(fields).toContain("llm.providers.local.url: must use http or https, not file");
  });

  it("refuses a default naming no provider", () => {
    const result = LlmConfigSchema.safeParse({ default: "gpt", providers: { local: { type: "scripted" } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["default"]);
    expect(result.error?.issues[0]?.message).toContain("configured: local");
  });
});
