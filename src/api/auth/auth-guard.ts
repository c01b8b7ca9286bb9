/**
 * Bearer-token auth for /api routes. Open while auth is off (auth-state.ts: no token was ever
 * created, the daemon listens on loopback and the config does not ask for tokens); once it is
 * on, every /api request needs a token whose role covers the route: viewer reads, operator
 * starts/stops/restarts and calls tools, admin changes servers. An address that presents too
 * many bad tokens is locked out for a while (auth-failure-limiter.ts), whatever token it then
 * presents; the health check stays answerable to it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ANONYMOUS_ACTOR, type AuditService } from "../../audit/index.js";
import { AppError } from "../../core/errors.js";
import type { TokenRole } from "../../store/tokens-repository.js";
import type { AuthFailureLimiter } from "./auth-failure-limiter.js";
import { roleAllows, type TokenService } from "./token-service.js";

/** Who made the request, when auth is on. */
export interface Principal {
  token_id: string;
  name: string;
  role: TokenRole;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The least role that may call the route; by default viewer for GET/HEAD and admin otherwise. */
    role?: TokenRole;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Whether a guard found auth on or off for this request; null when no guard ran (refused before, or an open route). */
    authMode: "on" | "off" | null;
  }
}

const API_PREFIX = "/api/";

/**
 * Whether a request is under /api. A matched route is judged by its declared path, not the raw
 * URL, so a percent-encoded prefix (`/%61pi/...`) that the router decodes cannot slip past.
 */
export function isApiRequest(request: FastifyRequest): boolean {
  const path = request.routeOptions.url ?? request.url.split("?")[0] ?? "";
  return path.startsWith(API_PREFIX) || path === "/api";
}

export function requiredRole(request: FastifyRequest): TokenRole {
  const declared = request.routeOptions.config?.role;
  if (declared) return declared;
  return request.method === "GET" || request.method === "HEAD" ? "viewer" : "admin";
}

/** The token in `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface AuthGuardOptions {
  /**
   * The health check's path (`/api/v1/health`); it and its component routes stay answerable,
   * without a token, while the store cannot say whether auth is on, so that they can report the
   * broken database.
   */
  healthPath: string;
}

/**
 * Whether auth is on is asked of the store on every request (tokens may be created by the CLI at
 * any time). When the store cannot answer, the request fails closed (500), as the /ws and /metrics
 * guards do, except a GET of the health check, and the failure is logged. A locked-out address
 * gets the health check without its token being looked at, so the check is no oracle for guesses.
 */
export async function registerAuthGuard(app: FastifyInstance, auth: Authenticator, options: AuthGuardOptions): Promise<void> {
  const isHealthCheck = (request: FastifyRequest): boolean => {
    const path = request.routeOptions.url;
    return (
      (request.method === "GET" || request.method === "HEAD") &&
      path !== undefined &&
      (path === options.healthPath || path.startsWith(`${options.healthPath}/`))
    );
  };
  app.decorateRequest("principal", null);
  app.decorateRequest("authMode", null);
  app.addHook("onRequest", async (request, reply) => {
    if (!isApiRequest(request)) return;
    let on: boolean;
    try {
      on = await auth.tokens.authEnabled();
    } catch (error) {
      const open = isHealthCheck(request);
      request.log.error({ err: error }, open ? "auth state unreadable; answering the health check only" : "auth state unreadable; request refused");
      if (open) return;
      throw error;
    }
    request.authMode = on ? "on" : "off";
    if (!on) return;
    if (isHealthCheck(request) && auth.lockedOut(request.ip)) return;
    request.principal = await auth.authenticate(request, reply, bearerToken(request.headers.authorization), requiredRole(request));
  });
}

/** Checks presented tokens, counting the bad ones per client address. */
export interface Authenticator {
  readonly tokens: TokenService;
  /**
   * Who presented the token, once it is known to be valid and its role to cover `needed`; throws
   * UNAUTHORIZED or TOKEN_EXPIRED (with a `www-authenticate` header on the reply), FORBIDDEN, or
   * TOO_MANY_AUTH_FAILURES (with `retry-after`) while the client's address is locked out.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply, presented: string | undefined, needed: TokenRole): Promise<Principal>;
  /** Whether the address is locked out now. */
  lockedOut(address: string): boolean;
}

export interface AuthenticatorDeps {
  tokens: TokenService;
  failures: AuthFailureLimiter;
  /** Where a lockout is put on record. */
  audit: AuditService;
}

export function createAuthenticator({ tokens, failures, audit }: AuthenticatorDeps): Authenticator {
  const refuseLockedOut = (reply: FastifyReply, leftMs: number): AppError => {
    const seconds = Math.max(1, Math.ceil(leftMs / 1000));
    reply.header("retry-after", String(seconds));
    return new AppError("TOO_MANY_AUTH_FAILURES", `Too many failed authentications from this address; try again in ${seconds} s.`, {
      retry_after_s: seconds,
    });
  };

  return {
    tokens,

    async authenticate(request, reply, presented, needed) {
      if (presented === undefined) {
        reply.header("www-authenticate", 'Bearer realm="pygent"');
        throw new AppError("UNAUTHORIZED");
      }
      const address = request.ip;
      const left = failures.lockout(address);
      if (left !== undefined) throw refuseLockedOut(reply, left);
      const check = await tokens.verify(presented);
      if (!check.ok) {
        reply.header("www-authenticate", 'Bearer realm="pygent", error="invalid_token"');
        if (check.reason === "expired") {
          const at = new Date(check.expires_at).toISOString();
          throw new AppError("TOKEN_EXPIRED", `The API token expired at ${at}.`, { expired_at: check.expires_at });
        }
        const lockoutMs = failures.recordFailure(address);
        if (lockoutMs !== undefined) {
          request.log.warn({ ip: address }, "too many failed authentications; address locked out");
          await audit.record({
            actor: ANONYMOUS_ACTOR,
            ip: address,
            action: "auth.lockout",
            ok: false,
            error_code: "TOO_MANY_AUTH_FAILURES",
            details: { lockout_s: lockoutMs / 1000 },
          });
        }
        throw new AppError("UNAUTHORIZED", "The API token is not valid or has been revoked.");
      }
      const record = check.token;
      if (!roleAllows(record.role, needed)) {
        throw new AppError("FORBIDDEN", `This request needs the ${needed} role; the token has the ${record.role} role.`, {
          required_role: needed,
          role: record.role,
        });
      }
      return { token_id: record.id, name: record.name, role: record.role };
    },

    lockedOut: (address) => failures.lockout(address) !== undefined,
  };
}
