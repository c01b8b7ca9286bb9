// A stand-in for a language model, the one part that cannot run here: a real HTTP server on
// 127.0.0.1 speaking Ollama's API (/api/chat as NDJSON, /api/embed, /api/tags, /api/version) and
// the OpenAI API (/v1/chat/completions as server-sent events, /v1/embeddings). Each chat request
// takes the next turn of its script; what was asked is kept for the test to read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeTurn =
  /** Text in `chunks` pieces, then tool calls, then the end. */
  | { kind: "reply"; content?: string; toolCalls?: { name: string; arguments: Record<string, unknown> }[]; chunks?: number }
  /** Some text under status 200, then an error in the stream. */
  | { kind: "error_mid_stream"; content: string; error: string }
  | { kind: "http_error"; status: number; error: string }
  /** Sends the headers, then nothing. */
  | { kind: "hang" };

export interface RecordedRequest {
  path: string;
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
}

export interface FakeLlmServer {
  /** http://127.0.0.1:<port>; the OpenAI API is under /v1. */
  url: string;
  requests: RecordedRequest[];
  /** Queues turns for the next chat requests; with none left, the model says "ok". */
  enqueue(...turns: FakeTurn[]): void;
  close(): Promise<void>;
}

const MODELS = ["llama3.2:latest", "nomic-embed-text:latest"];

/** A deterministic vector for a text: its characters folded into `dimensions` buckets. */
function vectorOf(text: string, dimensions: number): number[] {
  const out = new Array<number>(dimensions).fill(0);
  for (let index = 0; index < text.length; index += 1) out[text.charCodeAt(index) % dimensions]! += 1;
  return out;
}

function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => resolve(text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)));
  });
}

function pieces(text: string, count: number): string[] {
  if (text === "") return [];
  const size = Math.max(1, Math.ceil(text.length / count));
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

async function ollamaChat(turn: FakeTurn, body: Record<string, unknown>, response: ServerResponse): Promise<void> {
  if (turn.kind === "http_error") {
    response.writeHead(turn.status, { "content-type": "application/json" }).end(JSON.stringify({ error: turn.error }));
    return;
  }
  response.writeHead(200, { "content-type": "application/x-ndjson" });
  if (turn.kind === "hang") return;
  const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
  const model = body.model;
  if (turn.kind === "error_mid_stream") {
    line({ model, message: { role: "assistant", content: turn.content }, done: false });
    await pause();
    line({ error: turn.error });
    response.end();
    return;
  }
  for (const piece of pieces(turn.content ?? "", turn.chunks ?? 3)) {
    line({ model, message: { role: "assistant", content: piece }, done: false });
    await pause();
  }
  if (turn.toolCalls?.length) {
    line({ model, message: { role: "assistant", content: "", tool_calls: turn.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.arguments } })) }, done: false });
  }
  line({ model, message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 42, eval_count: 7 });
  response.end();
}

async function openAiChat(turn: FakeTurn, body: Record<string, unknown>, response: ServerResponse): Promise<void> {
  if (turn.kind === "http_error") {
    response.writeHead(turn.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: turn.error, type: "invalid_request_error" } }));
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream" });
  if (turn.kind === "hang") return;
  const event = (value: unknown) => response.write(`data: ${JSON.stringify(value)}\n\n`);
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", model: body.model };
  if (turn.kind === "error_mid_stream") {
    event({ ...base, choices: [{ index: 0, delta: { content: turn.content }, finish_reason: null }] });
    await pause();
    event({ error: { message: turn.error, type: "server_error" } });
    response.end();
    return;
  }
  for (const piece of pieces(turn.content ?? "", turn.chunks ?? 3)) {
    event({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    await pause();
  }
  (turn.toolCalls ?? []).forEach((call, index) => {
    const args = JSON.stringify(call.arguments);
    const half = Math.floor(args.length / 2);
    event({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${index}`, type: "function", function: { name: call.name, arguments: args.slice(0, half) } }] }, finish_reason: null }] });
    event({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(half) } }] }, finish_reason: null }] });
  });
  event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: turn.toolCalls?.length ? "tool_calls" : "stop" }] });
  event({ ...base, choices: [], usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 } });
  response.write("data: [DONE]\n\n");
  response.end();
}

export async function startFakeLlmServer(options: { embeddingDimensions?: number } = {}): Promise<FakeLlmServer> {
  const dimensions = options.embeddingDimensions ?? 8;
  const turns: FakeTurn[] = [];
  const requests: RecordedRequest[] = [];
  const next = (): FakeTurn => turns.shift() ?? { kind: "reply", content: "ok" };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = request.method === "POST" ? await readBody(request) : {};
      const path = new URL(request.url ?? "/", "http://x").pathname;
      requests.push({ path, body, headers: request.headers });
      const json = (value: unknown) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
      const inputs = (Array.isArray(body.input) ? body.input : [body.input]) as string[];
      if (path === "/api/version") return json({ version: "0.9.0-fake" });
      if (path === "/api/tags") return json({ models: MODELS.map((name) => ({ name, model: name })) });
      if (path === "/api/embed") return json({ model: body.model, embeddings: inputs.map((text) => vectorOf(text, dimensions)) });
      if (path === "/v1/embeddings") return json({ data: inputs.map((text, index) => ({ index, embedding: vectorOf(text, dimensions) })), model: body.model });
      if (path === "/api/chat") return ollamaChat(next(), body, response);
      if (path === "/v1/chat/completions") return openAiChat(next(), body, response);
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route ${path}` }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...more) => turns.push(...more),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
