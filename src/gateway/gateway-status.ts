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
    /** Tools withheld until an admin approves their definition (GET /api/v1/gateway/approvals). */
    awaiting_approval: z.number().int(),
  })
  .strict();

export type GatewayStatus = z.infer<typeof GatewayStatusSchema>;
