/**
 * The API's request budget (`security.rate_limit`, read per request so a reload applies): a token
 * bucket per key, `burst` requests at once and refilled at `per_minute`. A request authenticated
 * by a token spends its token's bucket, any other its client address's. Loopback clients (the
 * local CLI, a local dashboard) are exempt unless `loopback` is true. The health check is never
 * counted; WebSocket routes declare `config: { rateLimit: false }`, or upgrades would be counted
 * like requests. The table is bounded: at the cap the least recently used bucket is forgotten.
 * Time comes from the injected Clock.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RateLimitConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import { isLoopback } from "./auth/auth-state.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** `false` keeps the route out of the request budget (WebSocket upgrades). */
    rateLimit?: false;
  }
}

/** Buckets kept at once. */
export const MAX_RATE_BUCKETS = 10_000;

export interface BucketLimits {
  burst: number;
  per_minute: number;
}

export interface RateLimiter {
  /** Spends one request from the key's bucket; returns how long until one is available (ms) when it is empty. */
  take(key: string, limits: BucketLimits): number | undefined;
  /** Buckets kept now. */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(clock: Clock, maxBuckets = MAX_RATE_BUCKETS): RateLimiter {
  const buckets = new Map<string, Bucket>();
  return {
    take(key, limits) {
      const now = clock.now();
      const perMs = limits.per_minute / 60_000;
      const previous = buckets.get(key);
      const tokens = previous ? Math.min(limits.burst, previous.tokens + (now - previous.at) * perMs) : limits.burst;
      // Map order is least recently used first: a bucket is re-inserted when used.
      buckets.delete(key);
      if (buckets.size >= maxBuckets) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      const spent = tokens >= 1;
      buckets.set(key, { tokens: spent ? tokens - 1 : tokens, at: now });
      return spent ? undefined : Math.ceil((1 - tokens) / perMs);
    },
    size: () => buckets.size,
  };
}

export interface RateLimitOptions {
  clock: Clock;
  /** Read per request, so a config reload applies. */
  limits: () => RateLimitConfig;
  /** The health check's path; it and its component routes are never counted. */
  healthPath: string;
}

/** The client's address, an IPv4-mapped IPv6 one written as IPv4. */
function clientAddress(request: FastifyRequest): string {
  return request.ip.startsWith("::ffff:") ? request.ip.slice("::ffff:".length) : request.ip;
}

/** Registers the limit; call after the auth guard (a token's bucket needs the principal) and before the routes. */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const limiter = createRateLimiter(options.clock);
  const exempt = (request: FastifyRequest): boolean => {
    const path = request.routeOptions.url;
    return (
      request.routeOptions.config?.rateLimit === false ||
      (path !== undefined && (path === options.healthPath || path.startsWith(`${options.healthPath}/`)))
    );
  };
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (exempt(request)) return;
    const limits = options.limits();
    const address = clientAddress(request);
    if (!limits.loopback && isLoopback(address)) return;
    const retryAfterMs = request.principal
      ? limiter.take(`token:${request.principal.token_id}`, limits.per_token)
      : limiter.take(`address:${address}`, limits.per_address);
    if (retryAfterMs === undefined) return;
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    reply.header("retry-after", String(seconds));
    throw new AppError("RATE_LIMITED", `Too many requests; try again in ${seconds} s.`, { retry_after_ms: retryAfterMs });
  });
}
