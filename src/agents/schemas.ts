/**
 * The Agent Factory's shapes on the wire: what a creation or a run asks for, and how agents, runs
 * and steps are shown. The API and the CLI carry these; the rules live here.
 */
import { z } from "zod";
import { AGENT_STATES } from "./lifecycle.js";
import { AGENT_TYPES, AgentSettingsOverrideSchema, AgentSettingsSchema } from "./templates.js";

export const RUN_STATUSES = ["running", "completed", "step_limit", "failed", "cancelled", "interrupted"] as const;

export const CreateAgentBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(100, "must be at most 100 characters")
      .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters"),
    type: z.enum(AGENT_TYPES).default("general").meta({ description: "The template the agent starts from" }),
    settings: AgentSettingsOverrideSchema.optional().meta({ description: "Fields of the template's settings to change" }),
    start: z.boolean().default(true).meta({ description: "Start the agent at once (idle), ready for tasks; false leaves it created" }),
  })
  .strict();

export type CreateAgentBody = z.output<typeof CreateAgentBodySchema>;

export const RunBodySchema = z
  .object({
    task: z.string().trim().min(1, "must not be empty").max(20_000, "must be at most 20000 characters"),
    wait: z.boolean().default(true).meta({ description: "Answer once the run has ended (true), or at once with the run started (false); follow it on /ws (agents) or GET the run" }),
  })
  .strict();

export type RunBody = z.output<typeof RunBodySchema>;

export const AgentViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(AGENT_TYPES),
    state: z.enum(AGENT_STATES),
    last_error: z.string().nullable().meta({ description: "Why the agent is in its error state; null otherwise" }),
    settings: AgentSettingsSchema,
    created_at: z.number(),
    updated_at: z.number(),
  })
  .meta({ description: "An agent: its template's settings as created, and its lifecycle state" });

export type AgentView = z.output<typeof AgentViewSchema>;

export const ToolCallViewSchema = z.object({
  id: z.string(),
  name: z.string().meta({ description: "The gateway's name, <server_id>__<tool>" }),
  arguments: z.record(z.string(), z.unknown()),
  result: z.string().nullable(),
  is_error: z.boolean(),
  error: z.string().nullable(),
  latency_ms: z.number(),
});

export const StepViewSchema = z
  .object({
    step: z.number().int(),
    started_at: z.number(),
    content: z.string().meta({ description: "What the model said at this step" }),
    model_latency_ms: z.number(),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    tool_calls: z.array(ToolCallViewSchema),
  })
  .meta({ description: "One turn of a run: the model's answer and the tool calls it asked for" });

export type StepView = z.output<typeof StepViewSchema>;

export const RunViewSchema = z
  .object({
    id: z.string(),
    agent_id: z.string(),
    task: z.string(),
    status: z.enum(RUN_STATUSES),
    answer: z.string().nullable(),
    error: z.string().nullable(),
    model: z.string().meta({ description: "<provider>/<model>" }),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    started_at: z.number(),
    finished_at: z.number().nullable(),
    step_count: z.number().int(),
  })
  .meta({ description: "A task an agent ran, with its outcome" });

export type RunView = z.output<typeof RunViewSchema>;

export const RunDetailSchema = RunViewSchema.extend({ steps: z.array(StepViewSchema) }).meta({ description: "A run with its steps" });

export type RunDetail = z.output<typeof RunDetailSchema>;

export const TemplateViewSchema = z.object({ type: z.enum(AGENT_TYPES), description: z.string(), settings: AgentSettingsSchema });
