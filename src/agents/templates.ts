/**
 * Agent templates: the built-in types (reasoning, research, coding, general), each a complete set
 * of settings — instructions, model, tool allowlist, step limit, temperature, memory and
 * retrieval — that an agent starts from and may override field by field at creation.
 */
import { z } from "zod";
import { PROVIDER_NAME_PATTERN } from "../config/llm-schema.js";

export const AGENT_TYPES = ["reasoning", "research", "coding", "general"] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

/** A gateway tool name or a glob over them (`*` any run of characters, `?` one). */
const ToolPatternSchema = z
  .string()
  .min(1, "must not be empty")
  .max(256)
  .regex(/^[A-Za-z0-9_.*?-]+$/, "may contain only letters, digits, '_', '.', '-' and the wildcards '*' and '?'");

export const AgentMemorySettingsSchema = z
  .object({
    /** Keep the conversation and episodes in the Memory Manager, and recall from it. */
    enabled: z.boolean(),
    /** Past messages put before the task. */
    recent_messages: z.number().int().min(0).max(200),
    /** Memories recalled by similarity to the task. */
    recall: z.number().int().min(0).max(50),
  })
  .strict();

export const AgentRetrievalSettingsSchema = z
  .object({
    /** Search the Retrieval System with the task and put the best passages before it. */
    enabled: z.boolean(),
    limit: z.number().int().min(1).max(50),
  })
  .strict();

export const AgentSettingsSchema = z
  .object({
    instructions: z.string().min(1, "must not be empty").max(20_000),
    /** A provider of the config's `llm` section; the default provider when not given. */
    model: z.string().regex(PROVIDER_NAME_PATTERN, "must be a provider name from the config's llm.providers").optional(),
    /**
     * The tools the agent may call, by gateway name (`filesystem__write_file`) or glob
     * (`filesystem__*`). A glob with a wildcard never covers the gateway's own `pygent__` tools:
     * those are allowed only by their exact name.
     */
    tools: z.array(ToolPatternSchema).max(200),
    /** Model turns in one run at most; a run still calling tools then stops with `step_limit`. */
    max_steps: z.number().int().min(1).max(100),
    temperature: z.number().min(0).max(2),
    memory: AgentMemorySettingsSchema,
    retrieval: AgentRetrievalSettingsSchema,
  })
  .strict();

export type AgentSettings = z.output<typeof AgentSettingsSchema>;

/** What a creation may change: any field, memory and retrieval field by field. */
export const AgentSettingsOverrideSchema = AgentSettingsSchema.extend({
  instructions: AgentSettingsSchema.shape.instructions.optional(),
  tools: AgentSettingsSchema.shape.tools.optional(),
  max_steps: AgentSettingsSchema.shape.max_steps.optional(),
  temperature: AgentSettingsSchema.shape.temperature.optional(),
  memory: AgentMemorySettingsSchema.partial().strict().optional(),
  retrieval: AgentRetrievalSettingsSchema.partial().strict().optional(),
}).strict();

export type AgentSettingsOverride = z.output<typeof AgentSettingsOverrideSchema>;

export interface AgentTemplate {
  type: AgentType;
  description: string;
  settings: AgentSettings;
}

const TOOL_RULES =
  "Call a tool when it helps; pass exactly the arguments its schema asks for. " +
  "When a tool fails, read the error and try another way or say what stopped you. " +
  "When the task is done, answer without calling a tool.";

export const TEMPLATES: Readonly<Record<AgentType, AgentTemplate>> = {
  reasoning: {
    type: "reasoning",
    description: "Thinks a problem through step by step before answering; uses the sequential-thinking server.",
    settings: {
      instructions: `You reason carefully. Break the problem into steps, check each one, and give a short, definite answer. ${TOOL_RULES}`,
      tools: ["sequential-thinking__*"],
      max_steps: 12,
      temperature: 0.2,
      memory: { enabled: false, recent_messages: 0, recall: 0 },
      retrieval: { enabled: false, limit: 5 },
    },
  },
  research: {
    type: "research",
    description: "Finds and cites sources: searches the knowledge base and fetches pages, remembers what it learnt.",
    settings: {
      instructions: `You research. Look things up before answering, say where each fact comes from, and say when sources disagree or are missing. ${TOOL_RULES}`,
      tools: ["fetch__*", "memory__*"],
      max_steps: 15,
      temperature: 0.3,
      memory: { enabled: true, recent_messages: 10, recall: 5 },
      retrieval: { enabled: true, limit: 5 },
    },
  },
  coding: {
    type: "coding",
    description: "Reads and writes files in the filesystem server's folders to build or fix code.",
    settings: {
      instructions: `You write and fix code. Read the files involved first, make small, complete changes, and say what you changed. ${TOOL_RULES}`,
      tools: ["filesystem__*"],
      max_steps: 20,
      temperature: 0.1,
      memory: { enabled: true, recent_messages: 10, recall: 3 },
      retrieval: { enabled: false, limit: 5 },
    },
  },
  general: {
    type: "general",
    description: "A helpful assistant with every server's tools.",
    settings: {
      instructions: `You are a helpful assistant working with the tools PyGent's MCP servers offer. ${TOOL_RULES}`,
      tools: ["*"],
      max_steps: 10,
      temperature: 0.5,
      memory: { enabled: true, recent_messages: 10, recall: 5 },
      retrieval: { enabled: false, limit: 5 },
    },
  },
};

/** The template's settings with the override laid over them. */
export function resolveSettings(type: AgentType, override: AgentSettingsOverride = {}): AgentSettings {
  const base = TEMPLATES[type].settings;
  const { memory, retrieval, ...rest } = override;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return AgentSettingsSchema.parse({
    ...base,
    ...defined,
    memory: { ...base.memory, ...memory },
    retrieval: { ...base.retrieval, ...retrieval },
  });
}
