/**
 * GET /api/v1/health: the daemon's overall status and its components' statuses, as the health
 * domain reports them. With the health monitor's SystemHealth given, every component of the
 * seed's list is reported and each has its own route (/health/database, /agents, /mcp, /memory,
 * /rag, /ollama); without it, the database and the servers' states.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Clock } from "../../core/clock.js";
import { basicHealthReport, SYSTEM_COMPONENTS, type SystemHealth } from "../../health/index.js";
import type { McpManager } from "../../mcp/manager-types.js";
import type { Store } from "../../store/store.js";
import { errorResponses } from "../schemas/common.js";
import { ComponentHealthSchema, HealthResponseSchema, SystemHealthResponseSchema } from "../schemas/health.js";
import type { ZodTypeProvider } from "../validation.js";

export interface HealthRoutesOptions {
  manager: McpManager;
  store: Store;
  clock: Clock;
  version: string;
  startedAt: number;
  /** The health monitor's system health; without it only the database and the servers are reported. */
  system?: SystemHealth | undefined;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (plugin, options) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  const { system } = options;
  if (system) {
    app.get(
      "/health",
      {
        schema: {
          tags: ["health"],
          summary: "Overall health and the health of each component",
          response: { 200: SystemHealthResponseSchema, ...errorResponses(401, 403) },
        },
      },
      async () => system.report(),
    );
    for (const component of SYSTEM_COMPONENTS) {
      app.get(
        `/health/${component}`,
        {
          schema: {
            tags: ["health"],
            summary: `Health of the ${component} component`,
            response: { 200: ComponentHealthSchema, ...errorResponses(401, 403) },
          },
        },
        async () => system.component(component),
      );
    }
    return;
  }

  app.get(
    "/health",
    {
      schema: {
        tags: ["health"],
        summary: "Overall health and the health of each component",
        response: { 200: HealthResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async () => basicHealthReport(options),
  );
};
