/**
 * The schema of `mcp_server_configs.json`: the seed's server entry (id, name, command, category,
 * description, health_check_interval, auto_restart) extended with transports, environment,
 * timeouts and the restart policy. Durations are in seconds, as the seed's
 * health_check_interval is. Validated once at the edge; the rest of the product trusts it.
 */
import { z } from "zod";
import { serverIdProblem } from "../core/ids.js";

const seconds = (max: number) => z.number().positive().max(max);

const nonEmptyString = z.string().min(1, "must not be empty");

const ServerIdSchema = z.string().superRefine((id, ctx) => {
  const problem = serverIdProblem(id);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const HttpUrlSchema = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `must use http or https, not ${url.protocol.replace(":", "")}` });
  }
});

/** The fields common to every way of writing a server entry. */
const ServerFields = {
  id: ServerIdSchema,
  name: nonEmptyString.max(200).optional(),
  transport: z.enum(["stdio", "sse", "http"]).optional(),
  command: z.array(nonEmptyString).min(1, "must not be empty").optional(),
  url: HttpUrlSchema.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: nonEmptyString.optional(),
  category: z.string().max(100).optional(),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  health_check_interval: seconds(86_400).min(1, "must be at least 1 second").default(30),
  auto_restart: z.boolean().default(true),
  startup_timeout: seconds(600).default(30),
  request_timeout: seconds(3600).default(60),
  shutdown_timeout: seconds(120).default(5),
  restart_backoff_initial: seconds(3600).default(1),
  restart_backoff_max: seconds(86_400).default(60),
  /** Failed starts allowed inside restart_window before the server is left in crash_loop. */
  restart_max_failures: z.number().int().min(1).max(1000).default(5),
  restart_window: seconds(86_400).default(300),
  /** A run this long counts as stable: the backoff starts again from restart_backoff_initial. */
  restart_stable_after: seconds(86_400).default(30),
};

export const ServerConfigSchema = z
  .object(ServerFields)
  .strict()
  .superRefine((server, ctx) => {
    const transport = server.transport ?? (server.command ? "stdio" : server.url ? "http" : undefined);
    if (transport === undefined) {
      ctx.addIssue({ code: "custom", path: ["command"], message: "is required (or give url for a remote server)" });
      return;
    }
    if (transport === "stdio") {
      if (!server.command) ctx.addIssue({ code: "custom", path: ["command"], message: "is required for the stdio transport" });
      if (server.url) ctx.addIssue({ code: "custom", path: ["url"], message: "is not used by the stdio transport" });
      if (server.headers) ctx.addIssue({ code: "custom", path: ["headers"], message: "is not used by the stdio transport" });
    } else {
      if (!server.url) ctx.addIssue({ code: "custom", path: ["url"], message: `is required for the ${transport} transport` });
      if (server.command) ctx.addIssue({ code: "custom", path: ["command"], message: `is not used by the ${transport} transport` });
      if (server.cwd) ctx.addIssue({ code: "custom", path: ["cwd"], message: `is not used by the ${transport} transport` });
    }
    if (server.restart_backoff_max < server.restart_backoff_initial) {
      ctx.addIssue({
        code: "custom",
        path: ["restart_backoff_max"],
        message: "must not be less than restart_backoff_initial",
      });
    }
  })
  .transform((server) => ({
    ...server,
    name: server.name ?? server.id,
    transport: server.transport ?? (server.command ? ("stdio" as const) : ("http" as const)),
  }));

/** A validated server entry, with defaults filled in and the transport resolved. */
export type ServerConfig = z.output<typeof ServerConfigSchema>;
/** A server entry as a person writes it. */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;

export const ConfigFileSchema = z
  .object({
    servers: z.array(z.unknown()).default([]),
  })
  .strict();

export type ConfigFile = { servers: ServerConfig[] };
