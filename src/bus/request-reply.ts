/**
 * Request/reply on the bus: one part asks a subject (an agent, a service) and awaits its answer.
 * Each request carries a correlation id; its reply is matched back by that id, within a timeout.
 * A request nobody answers — no responder, the responder failed, the time ran out, or a reply
 * arrived after its asker gave up — is kept as a dead letter (the newest few, bounded) and
 * counted, so a conversation that went nowhere can be seen afterwards.
 *
 * In-process here; the shape (subject, envelope, correlation id) is what a networked bus would
 * carry, so a NATS implementation could stand behind the same interface.
 */
import { systemClock, type Clock } from "../core/clock.js";
import { AppError, errorMessage } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Unsubscribe } from "./bus.js";

/** A request as the responder sees it. */
export interface RequestEnvelope {
  correlation_id: string;
  subject: string;
  /** Who asks (e.g. `agent:<id>`), for the responder and the dead-letter log. */
  from: string;
  payload: unknown;
  sent_at: number;
}

export type DeadLetterReason = "no_responder" | "responder_failed" | "timeout" | "late_reply";

export interface DeadLetter {
  correlation_id: string;
  subject: string;
  from: string;
  reason: DeadLetterReason;
  /** What went wrong, in words. */
  detail: string;
  sent_at: number;
  at: number;
}

export interface RequestReplyMetrics {
  requests: number;
  replies: number;
  timeouts: number;
  responder_failures: number;
  no_responder: number;
  late_replies: number;
  in_flight: number;
  dead_letters: number;
}

export type Responder = (request: RequestEnvelope) => unknown;

export interface RequestOptions {
  /** Who asks. */
  from: string;
  /** How long to wait for the reply; default 30 s. */
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Dead letters kept, newest last. */
export const DEAD_LETTER_CAP = 200;

/** The subject an agent answers questions on: another agent (through the gateway's `pygent__ask_agent`) asks it there. */
export function agentAskSubject(agentId: string): string {
  return `agent.${agentId}.ask`;
}

/** A subject: dot-separated words of letters, digits, '_', '-' or ':' (e.g. `agent.researcher.ask`). */
const SUBJECT = /^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/;

function checkSubject(subject: string): void {
  if (!SUBJECT.test(subject) || subject.length > 200) {
    throw new AppError("VALIDATION_FAILED", `subject "${subject}" must be dot-separated words of letters, digits, '_', '-' or ':'`, {
      issues: [{ field: "subject", message: "must be dot-separated words of letters, digits, '_', '-' or ':', at most 200 characters" }],
    });
  }
}

export class RequestReply {
  private readonly responders = new Map<string, Responder>();
  private readonly deadLetters: DeadLetter[] = [];
  private readonly counts = { requests: 0, replies: 0, timeouts: 0, responder_failures: 0, no_responder: 0, late_replies: 0 };
  private inFlight = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Answers requests to `subject`; one responder per subject. The responder's return value (or promise) is the reply. */
  respond(subject: string, responder: Responder): Unsubscribe {
    checkSubject(subject);
    if (this.responders.has(subject)) {
      throw new AppError("VALIDATION_FAILED", `subject "${subject}" already has a responder`, { issues: [{ field: "subject", message: "already has a responder" }] });
    }
    this.responders.set(subject, responder);
    return () => {
      if (this.responders.get(subject) === responder) this.responders.delete(subject);
    };
  }

  /**
   * Sends `payload` to `subject` and resolves with the reply. Rejects with BUS_NO_RESPONDER when
   * nobody answers the subject, BUS_RESPONDER_FAILED when the responder threw, BUS_TIMEOUT when
   * the time ran out; each is kept as a dead letter.
   */
  request(subject: string, payload: unknown, options: RequestOptions): Promise<unknown> {
    checkSubject(subject);
    const envelope: RequestEnvelope = { correlation_id: newId(), subject, from: options.from, payload, sent_at: this.clock.now() };
    this.counts.requests += 1;
    const responder = this.responders.get(subject);
    if (!responder) {
      this.counts.no_responder += 1;
      this.bury(envelope, "no_responder", "no responder for this subject");
      return Promise.reject(new AppError("BUS_NO_RESPONDER", `nobody answers "${subject}"`, { subject, correlation_id: envelope.correlation_id }));
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.inFlight += 1;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        this.inFlight -= 1;
        this.clock.clearTimeout(timer);
        return true;
      };
      const timer = this.clock.setTimeout(() => {
        if (!finish()) return;
        this.counts.timeouts += 1;
        this.bury(envelope, "timeout", `no reply within ${timeoutMs} ms`);
        reject(new AppError("BUS_TIMEOUT", `"${subject}" did not reply within ${timeoutMs} ms`, { subject, correlation_id: envelope.correlation_id }));
      }, timeoutMs);
      Promise.resolve()
        .then(() => responder(envelope))
        .then(
          (reply) => {
            if (finish()) {
              this.counts.replies += 1;
              resolve(reply);
              return;
            }
            this.counts.late_replies += 1;
            this.bury(envelope, "late_reply", "the reply came after the asker stopped waiting");
          },
          (error: unknown) => {
            if (!finish()) return;
            this.counts.responder_failures += 1;
            this.bury(envelope, "responder_failed", errorMessage(error));
            reject(new AppError("BUS_RESPONDER_FAILED", `"${subject}" failed: ${errorMessage(error)}`, { subject, correlation_id: envelope.correlation_id }));
          },
        );
    });
  }

  /** The requests that went nowhere, oldest first (at most DEAD_LETTER_CAP). */
  deadLetterLog(): readonly DeadLetter[] {
    return [...this.deadLetters];
  }

  metrics(): RequestReplyMetrics {
    return { ...this.counts, in_flight: this.inFlight, dead_letters: this.deadLetters.length };
  }

  /** Everything the API shows: the counters, the subjects answered, the dead letters. */
  status(): { metrics: RequestReplyMetrics; subjects: string[]; dead_letters: DeadLetter[] } {
    return { metrics: this.metrics(), subjects: this.subjects(), dead_letters: this.deadLetterLog() as DeadLetter[] };
  }

  /** Which subjects have a responder. */
  subjects(): string[] {
    return [...this.responders.keys()].sort();
  }

  private bury(envelope: RequestEnvelope, reason: DeadLetterReason, detail: string): void {
    this.deadLetters.push({
      correlation_id: envelope.correlation_id,
      subject: envelope.subject,
      from: envelope.from,
      reason,
      detail,
      sent_at: envelope.sent_at,
      at: this.clock.now(),
    });
    if (this.deadLetters.length > DEAD_LETTER_CAP) this.deadLetters.splice(0, this.deadLetters.length - DEAD_LETTER_CAP);
  }
}
