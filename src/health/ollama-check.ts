/**
 * The Ollama component: asks the configured Ollama for its version and its local models, with a
 * short timeout. Offline when nothing answers, a warning when the configured model is not
 * there. It only reads: a missing model is reported, never pulled. On node:http: the first
 * health report comes right after the daemon starts, and fetch's first use would add its loading
 * (about 60 ms here) to that answer.
 */
import { errorMessage } from "../core/errors.js";
import { AnswerTimeout, exchange } from "../core/http-exchange.js";
import type { ComponentHealth } from "./system-health-types.js";

export interface OllamaCheckOptions {
  url: string;
  /** A model that must be present, e.g. "llama3.2" or "llama3.2:3b". */
  model?: string | undefined;
  timeoutMs?: number;
}

interface TagsAnswer {
  models?: { name?: string; model?: string }[];
}

/** "llama3.2" matches "llama3.2:latest"; a tagged name must match exactly. */
export function hasModel(models: readonly string[], wanted: string): boolean {
  const full = wanted.includes(":") ? wanted : `${wanted}:latest`;
  return models.some((name) => name === wanted || name === full);
}

async function getJson(url: URL, timeoutMs: number): Promise<unknown> {
  const { response, text } = await exchange(url, "GET", { accept: "application/json" }, undefined, timeoutMs);
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) throw Object.assign(new Error(`${url.pathname} answered HTTP ${status}`), { httpStatus: status });
  return JSON.parse(text);
}

export async function checkOllama(options: OllamaCheckOptions): Promise<ComponentHealth> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const base = options.url.endsWith("/") ? options.url : `${options.url}/`;
  const details: Record<string, unknown> = { url: options.url, reachable: false, model: options.model ?? null };
  const began = performance.now();
  try {
    const [version, tags] = await Promise.all([
      getJson(new URL("api/version", base), timeoutMs),
      getJson(new URL("api/tags", base), timeoutMs),
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
    const why = error instanceof AnswerTimeout ? `no answer within ${timeoutMs / 1000} s` : socketError(error);
    return { status: "offline", reasons: [`Ollama at ${options.url} is unreachable: ${why}`], details };
  }
}

/** A socket error by its code (ECONNREFUSED, ENOTFOUND, ...), or its message. */
function socketError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : errorMessage(error);
}
