/**
 * The gateway's rug-pull quarantine over REST: GET /api/v1/gateway/approvals lists the tools held
 * until an admin approves their definition, with the reasons and a readable diff of the approved
 * definition against the one served now; POST .../approvals/{server_id}/{tool} approves one
 * (optionally only the exact definition that was shown, by its hash), POST
 * .../approvals/{server_id} every held tool of a server. Approving needs the admin role; the
 * audit hook records each approval.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import { ApprovalResultSchema, ApprovalsListSchema, ApproveBodySchema, type Gateway } from "../../gateway/index.js";
import { errorResponses, ServerIdSchema, ToolNameSchema } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

const tags = ["gateway"];
const ServerParamsSchema = z.object({ server_id: ServerIdSchema });
const ToolParamsSchema = z.object({ server_id: ServerIdSchema, tool: ToolNameSchema });
const ServerApprovalsSchema = z.object({ approved: z.array(ApprovalResultSchema) }).strict();

/** Who approves: the token's name, or `local` while auth is off. */
const approverOf = (request: FastifyRequest): string => request.principal?.name ?? "local";

export const gatewayApprovalRoutes: FastifyPluginAsync<{ gateway: Gateway }> = async (plugin, { gateway }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  const { approvals } = gateway;

  app.get(
    "/gateway/approvals",
    {
      schema: {
        tags,
        summary: "Tools withheld from gateway clients until an admin approves their definition",
        description:
          "A tool is held when its definition (name, title, description, schemas, annotations) changed since it was approved, " +
          "when it is new on a server whose tools were approved, or when it looks suspicious (invisible or control characters, " +
          "instruction tags such as <IMPORTANT>, text over `gateway.max_description_length`). Each entry carries the reasons, " +
          "the approved and current definitions and their diff.",
        response: { 200: ApprovalsListSchema, ...errorResponses(401, 403) },
      },
    },
    async () => ({ enabled: approvals.enabled, pending: approvals.pending() }),
  );

  app.post(
    "/gateway/approvals/:server_id/:tool",
    {
      config: { role: "admin" },
      schema: {
        tags,
        summary: "Approve the definition a tool has now: the gateway serves it again",
        description:
          "Give `hash` (from GET /api/v1/gateway/approvals) to approve only the definition you reviewed: if the server changed it " +
          "again since, the answer is 409 DEFINITION_CHANGED. Approving a definition that is already approved changes nothing " +
          "(`already_approved: true`).",
        params: ToolParamsSchema,
        body: ApproveBodySchema.optional(),
        response: { 200: ApprovalResultSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => approvals.approve(request.params.server_id, request.params.tool, approverOf(request), request.body?.hash),
  );

  app.post(
    "/gateway/approvals/:server_id",
    {
      config: { role: "admin" },
      schema: {
        tags,
        summary: "Approve the current definition of every held tool of a server",
        params: ServerParamsSchema,
        response: { 200: ServerApprovalsSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ approved: await approvals.approveServer(request.params.server_id, approverOf(request)) }),
  );
};
