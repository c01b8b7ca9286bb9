/** Wire schema of GET /api/v1/health (documented; the answer is built by health-status.ts). */
import { z } from "zod";
import { HEALTH_STATUSES } from "../health-status.js";

const HealthStatusSchema = z.enum(HEALTH_STATUSES);

export const HealthResponseSchema = z.object({
  status: HealthStatusSchema.describe("The worst component status; offline counts as critical"),
  version: z.string(),
  uptime_s: z.number().int(),
  components: z.object({
    database: z.object({
      status: HealthStatusSchema,
      details: z.object({
        reachable: z.boolean(),
        latency_ms: z.number().nullable(),
        size_bytes: z.number().nullable(),
        wal_bytes: z.number().nullable(),
        error: z.string().optional(),
      }),
    }),
    mcp: z.object({
      status: HealthStatusSchema,
      details: z.object({
        total: z.number().int(),
        enabled: z.number().int(),
        running: z.number().int(),
        by_state: z.record(z.string(), z.number().int()),
        servers: z.array(
          z.object({ id: z.string(), state: z.string(), enabled: z.boolean(), reason: z.string().nullable() }),
        ),
      }),
    }),
  }),
});
