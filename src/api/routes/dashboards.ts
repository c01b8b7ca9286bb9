/**
 * /api/v1/dashboards: the dashboard's saved layouts (custom dashboards). Anyone who may read the
 * API reads them; an operator saves, changes and deletes them.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { LayoutInputSchema, LayoutSchema, type DashboardLayouts } from "../../health/index.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

const tags = ["dashboards"];
const ParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const dashboardRoutes: FastifyPluginAsync<{ layouts: DashboardLayouts }> = async (plugin, { layouts }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/dashboards",
    { schema: { tags, summary: "Saved dashboard layouts", response: { 200: z.object({ layouts: z.array(LayoutSchema) }), ...errorResponses(401) } } },
    async () => ({ layouts: await layouts.list() }),
  );
  app.get(
    "/dashboards/:id",
    { schema: { tags, summary: "One saved layout", params: ParamsSchema, response: { 200: LayoutSchema, ...errorResponses(401, 404) } } },
    async (request) => layouts.get(request.params.id),
  );
  app.post(
    "/dashboards",
    {
      config: { role: "operator" },
      schema: {
        tags,
        summary: "Save a new layout",
        description:
          "Panels sit on a 12-column grid (`position: {x, y, w, h}`): `status_grid` (servers, all by default), " +
          "`metric_chart` (one of response_time_ms, cpu_percent, memory_mb, error_rate for up to 10 servers over 1h, 24h, 7d or 30d), " +
          "`alert_list` (firing or all, newest first).",
        body: LayoutInputSchema,
        response: { 201: LayoutSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await layouts.create(request.body, request.principal?.name ?? "local")),
  );
  app.put(
    "/dashboards/:id",
    {
      config: { role: "operator" },
      schema: { tags, summary: "Replace a layout's name and panels", params: ParamsSchema, body: LayoutInputSchema, response: { 200: LayoutSchema, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => layouts.replace(request.params.id, request.body),
  );
  app.delete(
    "/dashboards/:id",
    { config: { role: "operator" }, schema: { tags, summary: "Delete a layout", params: ParamsSchema, response: { 204: { type: "null", description: "Deleted" }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await layouts.remove(request.params.id);
      return reply.code(204).send();
    },
  );
};
