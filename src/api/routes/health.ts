/**
 * GET /api/v1/health: the daemon's overall status and its components' statuses, as the health
 * domain reports them. With the health monitor's SystemHealth given, every component of the
 * seed's list is reported and each has its own route (/health/database, /agents, /mcp, /memory,
 * /rag, /ollama); without it, the database and the servers' states. With the daemon's config
 * status given, the answer says how the last load of the config file went (`config`), as does
 * GET /api/v1/config/status.
 */
import type { FastifyPluginAsync } from "fastify";
import type { ConfigReloadStatus } from "../../config/reload-status.js";
import type { Clock } from "../../core/clock.js";
import { basicHealthReport, SYSTEM_COMPONENTS, type SystemHealth } from "../../health/index.js";
import type { McpManager } from "../../mcp/manager-types.js";
import type { Store } from "../../store/store.js";
import { errorResponses } from "../schemas/common.js";
import { ComponentHealthSchema, ConfigStatusSchema, HealthResponseSchema, SystemHealthResponseSchema } from "../schemas/health.js";
import type { ZodTypeProvider } from "../validation.js";

export interface HealthRoutesOptions {
  manager: McpManager;
  store: Store;
  clock: Clock;
  version: string;
  startedAt: number;
  /** The health monitor's system health; without it only the database and the servers are reported. */
  system?: SystemHealth | undefined;
  /** The outcome of the last load of the config file; not reported when absent (an app without a config file). */
  configStatus?: (() => ConfigReloadStatus) | undefined;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (plugin, options) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  const { system, configStatus } = options;
  const withConfig = <T extends object>(report: T) => (configStatus ? { ...report, config: configStatus() } : report);
  if (configStatus) {
    app.get(
      "/config/status",
      {
        schema: {
          tags: ["health"],
          summary: "How the last load of the config file went: ok, or rejected with its problems",
          response: { 200: ConfigStatusSchema, ...errorResponses(401, 403) },
        },
      },
      async () => configStatus(),
    );
  }
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
      async () => withConfig(await system.report()),
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
    async () => withConfig(await basicHealthReport(options)),
  );
};
