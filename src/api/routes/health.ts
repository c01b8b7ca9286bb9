/** GET /api/v1/health: the daemon's overall status and its components' statuses. */
import type { FastifyPluginAsync } from "fastify";
import type { Clock } from "../../core/clock.js";
import type { McpManager } from "../../mcp/manager-types.js";
import type { Store } from "../../store/store.js";
import { probeDatabase, summarizeMcp, worstStatus } from "../health-status.js";
import { errorResponses } from "../schemas/common.js";
import { HealthResponseSchema } from "../schemas/health.js";
import type { ZodTypeProvider } from "../validation.js";

export interface HealthRoutesOptions {
  manager: McpManager;
  store: Store;
  clock: Clock;
  version: string;
  startedAt: number;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (plugin, options) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();

  app.get(
    "/health",
    {
      schema: {
        tags: ["health"],
        summary: "Overall health and the health of each component",
        response: { 200: HealthResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const database = await probeDatabase(options.store);
      const mcp = summarizeMcp(options.manager.list());
      return {
        status: worstStatus([database.status, mcp.status]),
        version: options.version,
        uptime_s: Math.max(0, Math.floor((options.clock.now() - options.startedAt) / 1000)),
        components: { database, mcp },
      };
    },
  );
};
