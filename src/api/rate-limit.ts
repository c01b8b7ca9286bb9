/**
 * A per-client request budget for every route. Generous by default: it stops a runaway script,
 * not a dashboard. WebSocket routes must declare `config: { rateLimit: false }`, or upgrades are
 * counted and refused like requests.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import { AppError } from "../core/errors.js";

export interface RateLimitOptions {
  max: number;
  timeWindowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, timeWindowMs: 60_000 };

/** Registers the limit; call before the routes it should cover are added. */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.timeWindowMs,
    // Thrown, so the one error handler shapes it like every other error.
    errorResponseBuilder: (_request, context) =>
      new AppError("RATE_LIMITED", `Too many requests; try again in ${context.after}.`, {
        limit: context.max,
        retry_after_ms: context.ttl,
      }),
  });
}
