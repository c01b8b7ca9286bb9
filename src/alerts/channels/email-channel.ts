/**
 * The `email` channel: one plain-text mail per notification over SMTP (nodemailer). Connection
 * failures and temporary (4xx) SMTP answers are retried with backoff; permanent (5xx) answers and
 * authentication failures are not. The password may be a `${VAR}` reference and is never logged.
 */
import type { Transporter } from "nodemailer";
import { z } from "zod";
import { errorMessage } from "../../core/errors.js";
import { defineChannel } from "../channel.js";
import type { AlertNotification } from "../notification.js";
import { withRetries } from "../retry.js";
import { resolveSecret } from "../secrets.js";

export const EmailConfigSchema = z
  .object({
    host: z.string().min(1, "must not be empty"),
    port: z.number().int().min(1).max(65_535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send unless the server upgrades to TLS. */
    require_tls: z.boolean().default(false),
    auth: z
      .object({ user: z.string().min(1, "must not be empty"), pass: z.string().min(1, "must not be empty") })
      .strict()
      .optional(),
    from: z.string().min(3, "must be an address"),
    to: z.array(z.string().min(3, "must be an address")).min(1, "must name at least one address"),
    subject_prefix: z.string().max(100).default("[PyGent]"),
    /** Seconds for connecting, the greeting and each command. */
    timeout: z.number().positive().max(300).default(10),
    retries: z.number().int().min(0).max(10).default(2),
    retry_initial_delay: z.number().positive().max(3600).default(1),
    retry_max_delay: z.number().positive().max(86_400).default(60),
  })
  .strict();

function iso(at: number | null): string {
  return at === null ? "-" : new Date(at).toISOString();
}

/** The mail's text: the summary, then one block per alert. */
export function emailText(notification: AlertNotification): string {
  const lines = [notification.summary, ""];
  for (const alert of notification.alerts) {
    const state = alert.repeat ? "STILL FIRING" : alert.state.toUpperCase();
    lines.push(`${state}  ${alert.severity}  ${alert.summary}`);
    lines.push(`  rule: ${alert.rule_name} (${alert.rule_id})`);
    lines.push(`  server: ${alert.server_id}`);
    lines.push(`  since: ${iso(alert.started_at)}${alert.resolved_at === null ? "" : `, resolved: ${iso(alert.resolved_at)}`}`);
    lines.push(`  alert id: ${alert.alert_id}`);
    lines.push("");
  }
  lines.push(`Sent by PyGent Factory at ${iso(notification.at)}.`);
  return `${lines.join("\n")}\n`;
}

function retryable(error: unknown): boolean {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  // An SMTP answer says itself whether to try again: 4xx is temporary, 5xx permanent.
  if (typeof responseCode === "number") return responseCode < 500;
  return code !== "EAUTH" && code !== "EENVELOPE" && code !== "EMESSAGE";
}

export const emailChannel = defineChannel({
  type: "email",
  delivery: "grouped",
  durable: true,
  schema: EmailConfigSchema,
  create(config, context) {
    const auth = config.auth && {
      user: config.auth.user,
      pass: resolveSecret(config.auth.pass, `${context.field}.auth`, "pass", context.environment),
    };
    const timeoutMs = config.timeout * 1000;
    // nodemailer is loaded at the first mail, so a daemon without an email channel never loads it.
    let transport: Transporter | undefined;
    const connect = async (): Promise<Transporter> => {
      if (transport) return transport;
      const { default: nodemailer } = await import("nodemailer");
      transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: config.require_tls,
        ...(auth ? { auth } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      return transport;
    };
    const closing = new AbortController();
    const logger = context.logger.child({ channel: context.id });
    return {
      id: context.id,
      async send(notification) {
        const subject = `${config.subject_prefix ? `${config.subject_prefix} ` : ""}${notification.summary}`;
        await withRetries(
          async () => {
            if (closing.signal.aborted) throw new Error("channel closed");
            await (await connect()).sendMail({ from: config.from, to: config.to, subject, text: emailText(notification) });
          },
          {
            retries: config.retries,
            initialDelayMs: config.retry_initial_delay * 1000,
            maxDelayMs: config.retry_max_delay * 1000,
            clock: context.clock,
            signal: closing.signal,
            retryable,
            onRetry: (error, attempt, delayMs) =>
              logger.warn({ attempt, delay_ms: delayMs, err: errorMessage(error) }, "email delivery failed; will retry"),
          },
        );
      },
      async close() {
        closing.abort(new Error("channel closed"));
        transport?.close();
      },
    };
  },
});
