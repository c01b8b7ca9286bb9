/**
 * Wire schemas of /api/v1/mcp/servers: request bodies (validated) and answers (documented). The
 * answer schemas mirror the manager's types; the type assertions at the end fail to compile
 * when the two drift apart.
 */
import { z } from "zod";
import type { CapabilitySnapshot, ServerState } from "../../bus/events.js";
import { ServerConfigSchema } from "../../config/schema.js";
import { validateServer } from "../../config/validate.js";
import { ToolDefinitionSchema } from "../../gateway/index.js";
import type { ServerEventKind } from "../../store/server-events-repository.js";
import type { LogLine, ServerView, ToolCallResult } from "../../mcp/manager-types.js";
import { documentedAs, toOpenApiSchema } from "../openapi.js";
import { ServerIdSchema, ToolNameSchema } from "./common.js";

const ServerStateSchema = z.enum(["stopped", "starting", "running", "backoff", "crash_loop", "failed", "stopping"]);

export const ServerViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    transport: z.enum(["stdio", "sse", "http"]),
    category: z.string().nullable(),
    description: z.string().nullable(),
    source: z.enum(["config", "api"]),
    enabled: z.boolean(),
    state: ServerStateSchema,
    reason: z.string().nullable(),
    pid: z.number().int().nullable(),
    restarts: z.number().int(),
    started_at: z.number().nullable(),
    next_restart_at: z.number().nullable(),
    tools_count: z.number().int().nullable(),
    config: z.record(z.string(), z.unknown()).describe("The server entry, with defaults filled in"),
  })
  .meta({ description: "A server and its current state" });

export const ServerListSchema = z.object({ servers: z.array(ServerViewSchema) });

/** The server entry's documented form, written with the OpenAPI document (not at load: zod's conversion is not free). */
let serverEntryForm: Record<string, unknown> | undefined;
const serverEntryDocs = (): Record<string, unknown> => (serverEntryForm ??= toOpenApiSchema(ServerConfigSchema, "input"));

/**
 * POST body: a server entry plus `start`. The entry is checked by validateServer, so a bad field
 * reads the same here as in the config file; the raw entry goes to the manager, minus a boolean
 * `start` (now or not), while a string `start` ("on_demand") is the entry's own field.
 */
export const NewServerBodySchema = documentedAs(
  z.looseObject({}).transform((body, ctx) => {
    const { start: given, ...rest } = body;
    if (given !== undefined && typeof given !== "boolean" && given !== "with_daemon" && given !== "on_demand") {
      ctx.addIssue({ code: "custom", path: ["start"], message: `must be true, false, "with_daemon" or "on_demand", not ${JSON.stringify(given)}` });
      return z.NEVER;
    }
    const start = typeof given === "boolean" ? given : undefined;
    const entry = given === undefined || start !== undefined ? rest : { ...rest, start: given };
    const result = validateServer(entry);
    if (!result.ok) {
      for (const issue of result.issues) ctx.addIssue({ code: "custom", message: issue.message, path: [issue.field] });
      return z.NEVER;
    }
    return { id: result.value.id, entry, start };
  }),
  () => ({
    ...serverEntryDocs(),
    properties: {
      ...(serverEntryDocs().properties as Record<string, unknown>),
      start: {
        description: 'true (the default) starts the server now, false leaves it stopped; "with_daemon" or "on_demand" is the entry\'s start mode',
        oneOf: [{ type: "boolean", default: true }, { type: "string", enum: ["with_daemon", "on_demand"] }],
      },
    },
  }),
);

/** PATCH body: any fields of a server entry; the manager validates the merged result. */
export const ServerPatchBodySchema = documentedAs(z.record(z.string(), z.unknown()), () => ({
  ...serverEntryDocs(),
  required: [],
  description: "Fields of a server entry to change; the merged entry must be valid",
}));

export const LogsResponseSchema = z.object({
  server_id: z.string(),
  lines: z.array(z.object({ stream: z.enum(["stderr", "stdout", "daemon"]), line: z.string(), at: z.number() })),
});

const ServerEventKindSchema = z.enum(["started", "exited", "restarted", "stopped", "failed", "crash_loop", "unclean_shutdown"]);

export const EventsResponseSchema = z.object({
  server_id: z.string(),
  events: z.array(
    z.object({
      id: z.number().int(),
      server_id: z.string(),
      kind: ServerEventKindSchema,
      detail: z.string().nullable(),
      exit_code: z.number().int().nullable(),
      signal: z.string().nullable(),
      at: z.number(),
    }),
  ),
});

export const CapabilitySnapshotSchema = z.object({
  server_name: z.string().nullable(),
  server_version: z.string().nullable(),
  protocol_version: z.string().nullable(),
  capabilities: z.record(z.string(), z.unknown()),
  instructions: z.string().nullable(),
  tools: z.array(ToolDefinitionSchema),
  resources: z.array(
    z.object({
      uri: z.string(),
      name: z.string(),
      description: z.string().optional(),
      mime_type: z.string().optional(),
    }),
  ),
  prompts: z.array(z.object({ name: z.string(), description: z.string().optional(), arguments: z.unknown().optional() })),
  timings: z.object({ spawn_ms: z.number(), initialize_ms: z.number(), list_ms: z.number() }),
  captured_at: z.number(),
});

export const ToolCallBodySchema = z
  .object({ arguments: z.record(z.string(), z.unknown()).default({}) })
  .strict()
  .default({ arguments: {} });

export const ToolCallResultSchema = z.object({
  content: z.array(z.unknown()),
  structured_content: z.unknown().optional(),
  is_error: z.boolean(),
  duration_ms: z.number(),
});

export const ToolCallParamsSchema = z.object({ id: ServerIdSchema, name: ToolNameSchema });

// Compile-time guards: the documented shapes accept exactly what the manager returns.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
// Exported only so that an unused-locals check keeps it.
export type SchemaChecks = [
  Assert<Same<z.infer<typeof ServerStateSchema>, ServerState>>,
  Assert<Same<z.infer<typeof ServerEventKindSchema>, ServerEventKind>>,
  Assert<ServerView extends z.input<typeof ServerViewSchema> ? true : false>,
  Assert<LogLine extends z.input<typeof LogsResponseSchema>["lines"][number] ? true : false>,
  Assert<CapabilitySnapshot extends z.input<typeof CapabilitySnapshotSchema> ? true : false>,
  Assert<ToolCallResult extends z.input<typeof ToolCallResultSchema> ? true : false>,
];
