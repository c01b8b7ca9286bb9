/**
 * `/api/v1/tokens`: API tokens for admins, the same service `pygent token` uses on the data
 * directory. A token's secret is in the create answer only; listings never carry it or its hash.
 * A token may be given an expiry, as seconds from now (`expires_in`) or an instant (`expires_at`).
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import { LOCAL_ACTOR, type AuditActor } from "../../audit/index.js";
import type { Clock } from "../../core/clock.js";
import { AppError } from "../../core/errors.js";
import { InstantSchema } from "../../core/instant.js";
import { roleAllows, TOKEN_ROLES, type TokenService } from "../auth/token-service.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export interface TokenRoutesOptions {
  tokens: TokenService;
  clock: Clock;
}

const RoleSchema = z.enum(TOKEN_ROLES as ["viewer", "operator", "admin"]);

const TokenInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  expires_at: z.number().nullable().describe("When it stops being accepted (ms since the epoch); null: never"),
  expired: z.boolean(),
});

const CreateTokenSchema = z
  .object({
    name: z.string().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    role: RoleSchema,
    expires_in: z.number().int().min(1).max(10 * 365 * 86_400).optional().meta({ description: "Seconds from now" }),
    expires_at: z
      .preprocess((value) => (typeof value === "number" ? String(value) : value), InstantSchema)
      .optional()
      .meta({ description: "Milliseconds since the epoch, or ISO 8601" }),
  })
  .strict()
  .refine((body) => body.expires_in === undefined || body.expires_at === undefined, {
    path: ["expires_at"],
    message: "give expires_in or expires_at, not both",
  });

const TokenIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

function actorOf(request: FastifyRequest): AuditActor {
  return request.principal ? { id: request.principal.token_id, name: request.principal.name } : LOCAL_ACTOR;
}

export const CallerSchema = z.object({
  auth: z.enum(["on", "off"]).describe("off: every caller may do everything"),
  name: z.string().nullable().describe("The token's name; null with auth off"),
  role: RoleSchema.nullable().describe("The token's role; null with auth off"),
  may: z.array(RoleSchema).describe("The roles whose actions the caller may take (each route needs one): all of them with auth off"),
});

export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (app, { tokens, clock }) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    "/tokens/me",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["auth"],
        summary: "Who calls: the presented token's name and role, or auth off",
        description: "A client (the dashboard) uses it to offer only what the caller's role may do.",
        response: { 200: CallerSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const role = request.principal?.role ?? null;
      return {
        auth: request.authMode === "on" ? ("on" as const) : ("off" as const),
        name: request.principal?.name ?? null,
        role,
        may: TOKEN_ROLES.filter((needed) => role === null || roleAllows(role, needed)),
      };
    },
  );
  typed.get(
    "/tokens",
    {
      config: { role: "admin" },
      schema: {
        tags: ["auth"],
        summary: "API tokens, never their secrets",
        response: { 200: z.object({ tokens: z.array(TokenInfoSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ tokens: await tokens.list() }),
  );
  typed.post(
    "/tokens",
    {
      config: { role: "admin" },
      schema: {
        tags: ["auth"],
        summary: "Issue a token; its secret is in this answer only",
        body: CreateTokenSchema,
        response: {
          201: z.object({ id: z.string(), token: z.string(), name: z.string(), role: RoleSchema, expires_at: z.number().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { name, role, expires_in, expires_at } = request.body;
      const expiresAt = expires_in === undefined ? expires_at : clock.now() + expires_in * 1000;
      const created = await tokens.create(name, role, actorOf(request), expiresAt);
      return reply.code(201).send({ ...created, name: name.trim(), role });
    },
  );
  typed.delete(
    "/tokens/:id",
    {
      config: { role: "admin" },
      schema: {
        tags: ["auth"],
        summary: "Revoke a token at once",
        params: TokenIdParamsSchema,
        response: { 204: { type: "null", description: "Revoked" }, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      if (!(await tokens.revoke(request.params.id, actorOf(request)))) throw new AppError("TOKEN_NOT_FOUND", undefined, { token_id: request.params.id });
      return reply.code(204).send();
    },
  );
};
