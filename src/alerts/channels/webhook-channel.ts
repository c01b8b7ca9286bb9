/**
 * The `webhook` channel: POSTs the notification as JSON, signed with
 * `X-PyGent-Signature: sha256=<hex HMAC of the body>` when a secret is set. Each attempt has a
 * timeout; network errors, 408, 429 and 5xx are retried with exponential backoff. The URL and
 * the secret are never logged (chat webhook URLs are themselves secrets).
 */
import { createHmac } from "node:crypto";
import { z } from "zod";
import { expandReferences } from "../../config/env-expansion.js";
import { withDeadline } from "../../core/deadline.js";
import { errorMessage } from "../../core/errors.js";
import { VERSION } from "../../core/version.js";
import { defineChannel } from "../channel.js";
import { withRetries } from "../retry.js";
import { resolveSecret } from "../secrets.js";

export const SIGNATURE_HEADER = "x-pygent-signature";

export const WebhookConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" }),
    /** HMAC-SHA256 key; `${VAR}` reads it from the environment. */
    secret: z.string().min(1, "must not be empty").optional(),
    /** Extra request headers; values may use `${VAR}`. */
    headers: z.record(z.string(), z.string()).optional(),
    /** Seconds one attempt may take. */
    timeout: z.number().positive().max(300).default(10),
    retries: z.number().int().min(0).max(10).default(3),
    /** Seconds before the first retry; doubled for each next one, up to retry_max_delay. */
    retry_initial_delay: z.number().positive().max(3600).default(1),
    retry_max_delay: z.number().positive().max(86_400).default(60),
  })
  .strict();

/** The signature header's value for a body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** "ECONNREFUSED", "request timed out": what went wrong, without the URL. */
function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "request timed out";
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  return errorMessage(error);
}

export const webhookChannel = defineChannel({
  type: "webhook",
  delivery: "grouped",
  durable: true,
  schema: WebhookConfigSchema,
  create(config, context) {
    const secret = config.secret === undefined ? undefined : resolveSecret(config.secret, context.field, "secret", context.environment);
    const extraHeaders = expandReferences(config.headers, `${context.field}.headers`, context.environment);
    const closing = new AbortController();
    const logger = context.logger.child({ channel: context.id });
    return {
      id: context.id,
      async send(notification) {
        const body = JSON.stringify(notification);
        const headers: Record<string, string> = {
          ...extraHeaders,
          "content-type": "application/json",
          "user-agent": `pygent-factory/${VERSION}`,
          "x-pygent-notification": notification.id,
        };
        if (secret !== undefined) headers[SIGNATURE_HEADER] = signBody(body, secret);
        await withRetries(
          async () => {
            const deadline = withDeadline(config.timeout * 1000, closing.signal);
            let response: Response;
            try {
              response = await fetch(config.url, { method: "POST", headers, body, signal: deadline.signal, redirect: "manual" });
              // The answer's body is not used; reading it frees the connection for reuse.
              await response.arrayBuffer().catch(() => undefined);
            } catch (error) {
              if (closing.signal.aborted) throw new DeliveryError("channel closed", false);
              throw new DeliveryError(describeFailure(error), true);
            } finally {
              deadline.dispose();
            }
            if (response.ok) return;
            const status = response.status;
            throw new DeliveryError(`receiver answered ${status}`, status >= 500 || status === 408 || status === 429);
          },
          {
            retries: config.retries,
            initialDelayMs: config.retry_initial_delay * 1000,
            maxDelayMs: config.retry_max_delay * 1000,
            clock: context.clock,
            signal: closing.signal,
            retryable: (error) => error instanceof DeliveryError && error.retryable,
            onRetry: (error, attempt, delayMs) =>
              logger.warn({ attempt, delay_ms: delayMs, err: errorMessage(error) }, "webhook delivery failed; will retry"),
          },
        );
      },
      async close() {
        closing.abort(new DeliveryError("channel closed", false));
      },
    };
  },
});
