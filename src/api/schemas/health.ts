/** Wire schema of GET /api/v1/health (documented; the answer is built by src/health). */
import { z } from "zod";
import { HEALTH_STATUSES } from "../../health/index.js";

const HealthStatusSchema = z.enum(HEALTH_STATUSES);

/** GET /api/v1/config/status, and the `config` field of GET /api/v1/health. */
export const ConfigStatusSchema = z
  .object({
    file: z.string(),
    result: z.enum(["ok", "rejected"]).describe("rejected: the last write of the file was refused and the last good config is kept"),
    at: z.number().int().describe("When the file was last loaded or refused, ms since the epoch"),
    problems: z.array(z.string()).describe("Why it was refused, one per problem, naming fields and limits, never values"),
  })
  .meta({ description: "The outcome of the last load of the config file" });

/** One component of the system health report (the health monitor's answer). */
export const ComponentHealthSchema = z
  .object({
    status: HealthStatusSchema,
    reasons: z.array(z.string()).describe("Why the component has this status; empty when healthy"),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ description: "A component's health" });

/** GET /api/v1/health when the health monitor runs: every component of the seed's list. */
export const SystemHealthResponseSchema = z.object({
  status: HealthStatusSchema.describe(
    "The worst essential component (database, mcp, memory), offline counted as critical; agents, rag and ollama count once set up, and lower it to warning at most",
  ),
  version: z.string(),
  uptime_s: z.number().int(),
  components: z.object({
    database: ComponentHealthSchema,
    agents: ComponentHealthSchema,
    mcp: ComponentHealthSchema,
    memory: ComponentHealthSchema,
    rag: ComponentHealthSchema,
    ollama: ComponentHealthSchema,
  }),
  config: ConfigStatusSchema.optional(),
});

/** GET /api/v1/health without the health monitor: the database and the servers' states. */
export const HealthResponseSchema = z.object({
  status: HealthStatusSchema.describe("The worst component status; offline counts as critical"),
  version: z.string(),
  uptime_s: z.number().int(),
  components: z.object({
    database: ComponentHealthSchema,
    mcp: ComponentHealthSchema.extend({
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
  config: ConfigStatusSchema.optional(),
});
