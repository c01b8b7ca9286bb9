/** What `GET /api/v1/gateway` and `pygent gateway status` report about the gateway. */
import { z } from "zod";

export const GatewayStatusSchema = z
  .object({
    /** The MCP endpoint's path on the daemon. */
    path: z.string(),
    separator: z.string(),
    /** Client sessions open now (stateless requests are not sessions). */
    sessions: z.number().int(),
    /** Servers whose tools, resources and prompts the gateway serves: running ones, and on-demand ones a call would start. */
    servers: z.number().int(),
    tools: z.number().int(),
    prompts: z.number().int(),
    resources: z.number().int(),
    /** Servers (running or on demand) left out because their id contains the separator. */
    excluded_servers: z.array(z.string()),
    calls: z
      .object({
        total: z.number().int(),
        /** Calls that ended in an error or a result marked isError. */
        failed: z.number().int(),
      })
      .strict(),
    /** Tool calls routed to each server since the daemon started, busiest first; a dashboard derives calls/s from two readings. */
    server_calls: z.array(
      z
        .object({
          server_id: z.string(),
          total: z.number().int(),
          /** Calls that ended in an error or a result marked isError. */
          failed: z.number().int(),
        })
        .strict(),
    ),
    /** Tools withheld until an admin approves their definition (GET /api/v1/gateway/approvals). */
    awaiting_approval: z.number().int(),
    /** The configured profiles (`gateway.profiles`), each served at its path. */
    profiles: z.array(
      z
        .object({
          name: z.string(),
          path: z.string(),
          /** The role a token needs to connect. */
          role: z.enum(["viewer", "operator", "admin"]),
          /** Tools the profile serves now. */
          tools: z.number().int(),
          sessions: z.number().int(),
          /** Server ids the profile names that are not registered. */
          missing_servers: z.array(z.string()),
        })
        .strict(),
    ),
    /** The open sessions, oldest first. */
    clients: z.array(
      z
        .object({
          session_id: z.string(),
          /** null: the session is on /mcp itself. */
          profile: z.string().nullable(),
          /** From the client's initialize; null before it. */
          client: z.object({ name: z.string(), version: z.string() }).strict().nullable(),
          opened_at: z.number().int(),
          last_activity_at: z.number().int(),
          /** tools/call requests the session made. */
          calls: z.number().int(),
        })
        .strict(),
    ),
  })
  .strict();

export type GatewayStatus = z.infer<typeof GatewayStatusSchema>;
