/**
 * `GET /api/v1/audit` (the audit log, newest first, filtered) and `GET /api/v1/auth` (whether
 * auth is on and why, and the bind the daemon recorded). Both are for admins: the log names
 * every token holder and where they came from.
 */
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { AuditQuerySchema, type AuditService } from "../../audit/index.js";
import type { AuthState } from "../auth/auth-state.js";
import { errorResponses } from "../schemas/common.js";
import type { ZodTypeProvider } from "../validation.js";

export interface AuditRoutesOptions {
  audit: AuditService;
  authState: AuthState;
}

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: z.number(),
  actor_id: z.string().nullable().describe("The token's id; null for local and anonymous"),
  actor_name: z.string().describe("The token's name, `local` (auth off, or the CLI) or `anonymous`"),
  ip: z.string().nullable(),
  action: z.string().describe("`METHOD /route` for API calls; token.create, token.revoke, auth.on, auth.off, auth.lockout, config.reload"),
  target: z.string().nullable(),
  ok: z.boolean(),
  status: z.number().int().nullable(),
  error_code: z.string().nullable(),
  details: z.unknown().describe("The request body or the action's details, with secret values redacted"),
});

const AuthStatusSchema = z.object({
  enabled: z.boolean(),
  reasons: z.array(z.enum(["switch", "non_loopback_bind", "config"])),
  switch: z.object({ enabled: z.boolean(), changed_at: z.number().nullable(), changed_by: z.string() }),
  daemon: z
    .object({ host: z.string(), port: z.number().int(), pid: z.number().int(), requires_auth: z.boolean(), since: z.number(), loopback: z.boolean() })
    .nullable(),
});

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, options) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    "/audit",
    {
      config: { role: "admin" },
      schema: {
        tags: ["audit"],
        summary: "The audit log, newest first",
        querystring: AuditQuerySchema,
        response: { 200: z.object({ entries: z.array(AuditEntrySchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ entries: await options.audit.query(request.query) }),
  );
  typed.get(
    "/auth",
    {
      config: { role: "admin" },
      schema: {
        tags: ["audit"],
        summary: "Whether auth is on and why, and where the daemon listens",
        response: { 200: AuthStatusSchema, ...errorResponses(401, 403) },
      },
    },
    async () => options.authState.status(),
  );
};
