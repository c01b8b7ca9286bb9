/**
 * The Ollama component: asks the configured Ollama for its version and its local models, with a
 * short timeout. Offline when nothing answers, a warning when the configured model is not
 * there. It only reads: a missing model is reported, never pulled.
 */
import { withDeadline } from "../core/deadline.js";
import { errorMessage } from "../core/errors.js";
import type { ComponentHealth } from "./system-health-types.js";

export interface OllamaCheckOptions {
  url: string;
  /** A model that must be present, e.g. "llama3.2" or "llama3.2:3b". */
  model?: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface TagsAnswer {
  models?: { name?: string; model?: string }[];
}

/** "llama3.2" matches "llama3.2:latest"; a tagged name must match exactly. */
export function hasModel(models: readonly string[], wanted: string): boolean {
  const full = wanted.includes(":") ? wanted : `${wanted}:latest`;
  return models.some((name) => name === wanted || name === full);
}

async function getJson(doFetch: typeof fetch, url: URL, timeoutMs: number): Promise<unknown> {
  const deadline = withDeadline(timeoutMs);
  try {
    const response = await doFetch(url, { signal: deadline.signal, headers: { accept: "application/json" } });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw Object.assign(new Error(`${url.pathname} answered HTTP ${response.status}`), { httpStatus: response.status });
    }
    return await response.json();
  } finally {
    deadline.dispose();
  }
}

export async function checkOllama(options: OllamaCheckOptions): Promise<ComponentHealth> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2000;
  const base = options.url.endsWith("/") ? options.url : `${options.url}/`;
  const details: Record<string, unknown> = { url: options.url, reachable: false, model: options.model ?? null };
  const began = performance.now();
  try {
    const [version, tags] = await Promise.all([
      getJson(doFetch, new URL("api/version", base), timeoutMs),
      getJson(doFetch, new URL("api/tags", base), timeoutMs),
    ]);
    const models = ((tags as TagsAnswer).models ?? []).map((entry) => entry.name ?? entry.model ?? "").filter(Boolean);
    details.reachable = true;
    details.latency_ms = Math.round((performance.now() - began) * 10) / 10;
    details.version = (version as { version?: unknown }).version ?? null;
    details.models = models;
    if (options.model === undefined) return { status: "healthy", reasons: [], details };
    const present = hasModel(models, options.model);
    details.model_present = present;
    return present
      ? { status: "healthy", reasons: [], details }
      : { status: "warning", reasons: [`model "${options.model}" is not pulled in Ollama (it is never pulled automatically)`], details };
  } catch (error) {
    const httpStatus = (error as { httpStatus?: number }).httpStatus;
    details.error = errorMessage(error);
    if (httpStatus !== undefined) {
      details.reachable = true;
      return { status: "critical", reasons: [errorMessage(error)], details };
    }
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : describeFetchError(error);
    return { status: "offline", reasons: [`Ollama at ${options.url} is unreachable: ${why}`], details };
  }
}

/** fetch says "fetch failed"; the socket error that matters is in its cause. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? code : errorMessage(cause);
  }
  return errorMessage(error);
}
