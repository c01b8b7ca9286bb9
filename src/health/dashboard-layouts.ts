/**
 * Custom dashboards: named layouts of panels a user arranges on a 12-column grid — a status grid
 * of servers, a chart of one health metric for chosen servers over a range, a list of alerts —
 * kept in the store so everyone who opens the dashboard sees them.
 */
import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { newId, SERVER_ID_PATTERN } from "../core/ids.js";
import type { DashboardLayoutRecord, DashboardLayoutsRepository } from "../store/index.js";

export const DASHBOARD_COLUMNS = 12;
export const MAX_PANELS = 24;
export const DASHBOARD_METRICS = ["response_time_ms", "cpu_percent", "memory_mb", "error_rate"] as const;
export const DASHBOARD_RANGES = ["1h", "24h", "7d", "30d"] as const;

const ServerIdsSchema = z.array(z.string().regex(SERVER_ID_PATTERN, "must be a server id"));

const PositionSchema = z
  .object({
    x: z.number().int().min(0).max(DASHBOARD_COLUMNS - 1),
    y: z.number().int().min(0).max(500),
    w: z.number().int().min(1).max(DASHBOARD_COLUMNS),
    h: z.number().int().min(1).max(12),
  })
  .refine((position) => position.x + position.w <= DASHBOARD_COLUMNS, { path: ["w"], message: `must fit in ${DASHBOARD_COLUMNS} columns (x + w ≤ ${DASHBOARD_COLUMNS})` });

const panelBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be 1-40 lower-case letters, digits or '-'"),
  title: z.string().trim().max(80).optional(),
  position: PositionSchema,
};

export const PanelSchema = z.discriminatedUnion("kind", [
  z.object({ ...panelBase, kind: z.literal("status_grid"), server_ids: ServerIdsSchema.max(500).optional().describe("Only these servers; all when absent") }).strict(),
  z
    .object({
      ...panelBase,
      kind: z.literal("metric_chart"),
      metric: z.enum(DASHBOARD_METRICS),
      server_ids: ServerIdsSchema.min(1, "must name at least one server").max(10, "at most 10 servers in one chart"),
      range: z.enum(DASHBOARD_RANGES).default("1h"),
    })
    .strict(),
  z
    .object({
      ...panelBase,
      kind: z.literal("alert_list"),
      state: z.enum(["firing", "all"]).default("firing"),
      limit: z.number().int().min(1).max(100).default(20),
    })
    .strict(),
]);
export type Panel = z.infer<typeof PanelSchema>;

export const LayoutInputSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(80),
    panels: z.array(PanelSchema).max(MAX_PANELS, `at most ${MAX_PANELS} panels`),
  })
  .strict()
  .superRefine((layout, context) => {
    const seen = new Set<string>();
    for (const [index, panel] of layout.panels.entries()) {
      if (seen.has(panel.id)) context.addIssue({ code: "custom", path: ["panels", index, "id"], message: "is used by another panel" });
      seen.add(panel.id);
    }
  });
export type LayoutInput = z.infer<typeof LayoutInputSchema>;

export const LayoutSchema = z.object({
  id: z.string(),
  name: z.string(),
  panels: z.array(PanelSchema),
  created_by: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
});
export type Layout = z.infer<typeof LayoutSchema>;

export interface DashboardLayouts {
  list(): Promise<Layout[]>;
  get(id: string): Promise<Layout>;
  create(input: LayoutInput, by: string): Promise<Layout>;
  replace(id: string, input: LayoutInput): Promise<Layout>;
  remove(id: string): Promise<void>;
}

const toLayout = (record: DashboardLayoutRecord): Layout => ({ ...record, panels: record.panels as Panel[] });

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `no dashboard layout has id "${id}"`);
}

export function createDashboardLayouts(repository: DashboardLayoutsRepository, clock: Clock): DashboardLayouts {
  const get = async (id: string): Promise<Layout> => {
    const record = await repository.get(id);
    if (!record) throw notFound(id);
    return toLayout(record);
  };
  return {
    async list() {
      return (await repository.list()).map(toLayout);
    },
    get,
    async create(input, by) {
      const now = clock.now();
      const record = { id: newId(), name: input.name, panels: input.panels, created_by: by, created_at: now, updated_at: now };
      await repository.insert(record);
      return toLayout(record);
    },
    async replace(id, input) {
      if (!(await repository.update(id, { name: input.name, panels: input.panels, updated_at: clock.now() }))) throw notFound(id);
      return get(id);
    },
    async remove(id) {
      if (!(await repository.remove(id))) throw notFound(id);
    },
  };
}
