/**
 * HTTP to a model's endpoint, shared by the providers: one deadline for the whole request, an idle
 * timeout between the bytes of a streamed answer, the caller's abort, and failures turned into
 * errors that name the provider and the URL (LLM_UNREACHABLE, LLM_FAILED, LLM_TIMEOUT). An answer
 * is read as lines (NDJSON, server-sent events) or as one JSON document.
 */
import { AppError, errorMessage } from "../core/errors.js";

export interface EndpointOptions {
  /** "ollama" or "openai": named in every error. */
  provider: string;
  /** The base URL, e.g. http://127.0.0.1:11434 or http://127.0.0.1:8080/v1. */
  url: string;
  timeoutMs: number;
  idleTimeoutMs: number;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The longest line (or JSON answer) read from an endpoint. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** How much of an error answer is read to find its message. */
const MAX_ERROR_BODY = 4096;

/** The URL of `path` under the endpoint's base (a base path such as /v1 is kept). */
export function endpointUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** The message inside an error answer: Ollama's `{"error":"..."}`, OpenAI's `{"error":{"message":"..."}}`, or the text. */
export function errorTextOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = parsed.error;
    if (typeof error === "string") return error;
    if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // Not JSON: the text itself says what went wrong.
  }
  return body.trim().slice(0, 500) || "(empty answer)";
}

/** An open request: its signal, and the idle timer to reset at each chunk. */
class RequestTimers {
  readonly controller = new AbortController();
  private readonly total: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  private readonly onParentAbort = () => this.controller.abort(this.parent?.reason);

  constructor(
    private readonly options: EndpointOptions,
    private readonly parent: AbortSignal | undefined,
  ) {
    this.total = setTimeout(() => this.timeout(`did not finish within ${options.timeoutMs} ms`), options.timeoutMs);
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener("abort", this.onParentAbort, { once: true });
  }

  /** Restarts the idle timer: bytes arrived. */
  alive(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.timeout(`sent nothing for ${this.options.idleTimeoutMs} ms`), this.options.idleTimeoutMs);
  }

  dispose(): void {
    clearTimeout(this.total);
    clearTimeout(this.idle);
    this.parent?.removeEventListener("abort", this.onParentAbort);
  }

  /** The error to throw for `error`, raised while the request was under way. */
  failure(error: unknown, url: string): unknown {
    const { signal } = this.controller;
    // Our own timeout (an AppError), or the caller giving up: its own reason goes back to it unchanged.
    if (signal.aborted) return signal.reason as unknown;
    if (error instanceof AppError) return error;
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === "string" ? cause.code : errorMessage(cause ?? error);
    return new AppError("LLM_UNREACHABLE", `${this.options.provider} at ${url}: cannot connect (${why})`, { provider: this.options.provider, url });
  }

  private timeout(what: string): void {
    const url = this.options.url;
    this.controller.abort(new AppError("LLM_TIMEOUT", `${this.options.provider} at ${url}: ${what}`, { provider: this.options.provider, url }));
  }
}

async function open(options: EndpointOptions, path: string, body: unknown, timers: RequestTimers): Promise<{ response: Response; url: string }> {
  const url = endpointUrl(options.url, path);
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: timers.controller.signal,
    });
  } catch (error) {
    throw timers.failure(error, url);
  }
  if (!response.ok) {
    let text = "";
    try {
      text = (await response.text()).slice(0, MAX_ERROR_BODY);
    } catch (error) {
      throw timers.failure(error, url);
    }
    throw new AppError("LLM_FAILED", `${options.provider} at ${url} answered HTTP ${response.status}: ${errorTextOf(text)}`, {
      provider: options.provider,
      url,
      http_status: response.status,
    });
  }
  return { response, url };
}

/**
 * POSTs `body` and yields the answer's non-empty lines as they arrive. Stopping the iteration
 * early ends the request.
 */
export async function* postLines(options: EndpointOptions, path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<string> {
  const timers = new RequestTimers(options, signal);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    timers.alive();
    const { response, url } = await open(options, path, body, timers);
    if (!response.body) return;
    reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw timers.failure(error, url);
      }
      if (chunk.done) break;
      timers.alive();
      pending += decoder.decode(chunk.value, { stream: true });
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== "") yield line;
        newline = pending.indexOf("\n");
      }
      if (pending.length > MAX_LINE_BYTES) {
        throw new AppError("LLM_FAILED", `${options.provider} at ${url} sent a line over ${MAX_LINE_BYTES} bytes`, { provider: options.provider, url });
      }
    }
    const last = (pending + decoder.decode()).trim();
    if (last !== "") yield last;
  } finally {
    timers.dispose();
    await reader?.cancel().catch(() => undefined);
  }
}

/** Sends one request (a GET without `body`) and parses its answer as JSON. */
export async function requestJson(options: EndpointOptions, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  const timers = new RequestTimers(options, signal);
  try {
    const { response, url } = await open(options, path, body, timers);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw timers.failure(error, url);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AppError("LLM_FAILED", `${options.provider} at ${url} answered with something that is not JSON`, { provider: options.provider, url });
    }
  } finally {
    timers.dispose();
  }
}

/** Parses one line of a streamed answer, naming the endpoint when it is not JSON. */
export function parseLine(options: EndpointOptions, path: string, line: string): Record<string, unknown> {
  try {
    const value = JSON.parse(line) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below with the endpoint.
  }
  const url = endpointUrl(options.url, path);
  throw new AppError("LLM_FAILED", `${options.provider} at ${url} streamed a line that is not a JSON object: ${line.slice(0, 200)}`, { provider: options.provider, url });
}

/** Scales a vector to unit length (a zero vector stays zero). */
export function unitLength(values: readonly number[]): Float32Array {
  const out = Float32Array.from(values);
  let norm = 0;
  for (const value of out) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < out.length; index += 1) out[index] = out[index]! / norm;
  return out;
}
