/**
 * /api/v1/bus/requests: the bus's request/reply (agents asking each other): its counters, the
 * subjects answered and the dead letters, the requests that went nowhere and why.
 */
import type { FastifyPluginAsync } from "fastify";
import { RequestReplyStatusSchema, type RequestReply } from "../../bus/index.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export const busRoutes: FastifyPluginAsync<{ requests: RequestReply }> = async (plugin, { requests }) => {
  const app = plugin.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/bus/requests",
    {
      schema: {
        tags: ["bus"],
        summary: "Request/reply on the bus: counters, subjects and dead letters",
        response: { 200: RequestReplyStatusSchema, ...errorResponses(401) },
      },
    },
    async () => requests.status(),
  );
};
