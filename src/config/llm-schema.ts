/**
 * The config file's `llm` section: the language-model providers agents use, by name, and which
 * one is the default. A provider is an Ollama server, an OpenAI-compatible endpoint, or a scripted
 * model that answers from a fixed list of steps (to try agents with no model at all). PyGent never
 * pulls or downloads a model: a provider names one that is already there.
 */
import { z } from "zod";
import { HttpUrlSchema } from "./http-url-schema.js";

/** A provider's name, as agents and templates refer to it. */
export const PROVIDER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const seconds = (max: number) => z.number().positive().max(max);

const nonEmptyString = z.string().min(1, "must not be empty");

/** Timeouts every HTTP provider takes, in seconds. */
const timeouts = {
  /** The whole request, from sending it to the last byte of the answer. */
  timeout: seconds(3600).default(120),
  /** Silence while an answer streams: no byte for this long ends the request. */
  idle_timeout: seconds(3600).default(60),
};

export const OllamaProviderSchema = z
  .object({
    type: z.literal("ollama"),
    url: HttpUrlSchema.default("http://127.0.0.1:11434"),
    /** A model already pulled into that Ollama, e.g. "llama3.2" or "qwen2.5:7b". */
    model: nonEmptyString,
    /** An embedding model there (`/api/embed`), with the length of its vectors. */
    embedding_model: nonEmptyString.optional(),
    embedding_dimensions: z.number().int().min(1).max(65_536).optional(),
    ...timeouts,
  })
  .strict();

export const OpenAiProviderSchema = z
  .object({
    type: z.literal("openai"),
    /** The API's base, up to and including `/v1` (e.g. "https://api.openai.com/v1", "http://127.0.0.1:8080/v1"). */
    url: HttpUrlSchema,
    model: nonEmptyString,
    /** The environment variable holding the API key; a key is never written in this file. */
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").optional(),
    embedding_model: nonEmptyString.optional(),
    embedding_dimensions: z.number().int().min(1).max(65_536).optional(),
    ...timeouts,
  })
  .strict();

/** A tool call in a scripted step; string values may hold `{{task}}`, replaced by the task given. */
const ScriptedToolCallSchema = z
  .object({ name: nonEmptyString.max(256), arguments: z.record(z.string(), z.unknown()).default({}) })
  .strict();

export const ScriptedStepSchema = z
  .object({
    /** What the model says at this step; may hold `{{task}}`. */
    say: z.string().max(100_000).default(""),
    tool_calls: z.array(ScriptedToolCallSchema).max(64).default([]),
  })
  .strict();

export const ScriptedProviderSchema = z
  .object({
    type: z.literal("scripted"),
    /** The model's turns of one run, in order; past the end it answers with the last tool result. */
    script: z.array(ScriptedStepSchema).max(1000).default([]),
  })
  .strict();

export const LlmProviderSchema = z.discriminatedUnion("type", [OllamaProviderSchema, OpenAiProviderSchema, ScriptedProviderSchema]);

export type OllamaProviderConfig = z.output<typeof OllamaProviderSchema>;
export type OpenAiProviderConfig = z.output<typeof OpenAiProviderSchema>;
export type ScriptedProviderConfig = z.output<typeof ScriptedProviderSchema>;
export type ScriptedStep = z.output<typeof ScriptedStepSchema>;
export type LlmProviderConfig = z.output<typeof LlmProviderSchema>;

export const LlmConfigSchema = z
  .object({
    /** The provider an agent uses when its template names none; the only one when there is one. */
    default: z.string().optional(),
    providers: z.record(z.string().regex(PROVIDER_NAME_PATTERN, "may contain only letters, digits, '_' and '-' (1-64)"), LlmProviderSchema).default({}),
  })
  .strict()
  .superRefine((llm, ctx) => {
    if (llm.default !== undefined && !Object.hasOwn(llm.providers, llm.default)) {
      const known = Object.keys(llm.providers);
      ctx.addIssue({ code: "custom", path: ["default"], message: `names no provider (configured: ${known.length > 0 ? known.join(", ") : "none"})` });
    }
    for (const [name, provider] of Object.entries(llm.providers)) {
      if (provider.type === "scripted") continue;
      if ((provider.embedding_model === undefined) !== (provider.embedding_dimensions === undefined)) {
        ctx.addIssue({ code: "custom", path: ["providers", name, "embedding_dimensions"], message: "embedding_model and embedding_dimensions go together" });
      }
    }
  });

export type LlmConfig = z.output<typeof LlmConfigSchema>;

/** The provider an agent gets when it names none: `default`, else the only one configured. */
export function defaultProviderName(llm: LlmConfig | undefined): string | undefined {
  if (!llm) return undefined;
  if (llm.default !== undefined) return llm.default;
  const names = Object.keys(llm.providers);
  return names.length === 1 ? names[0] : undefined;
}
