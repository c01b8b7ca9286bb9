/** The bus's request/reply as the API shows it: its counters, the subjects answered, the dead letters. */
import { z } from "zod";
import { DEAD_LETTER_CAP } from "./request-reply.js";

export const DeadLetterSchema = z.object({
  correlation_id: z.string(),
  subject: z.string(),
  from: z.string().describe("Who asked (e.g. agent:<id>)"),
  reason: z.enum(["no_responder", "responder_failed", "timeout", "late_reply"]),
  detail: z.string(),
  sent_at: z.number(),
  at: z.number(),
});

export const RequestReplyStatusSchema = z.object({
  metrics: z.object({
    requests: z.number().int(),
    replies: z.number().int(),
    timeouts: z.number().int(),
    responder_failures: z.number().int(),
    no_responder: z.number().int(),
    late_replies: z.number().int(),
    in_flight: z.number().int(),
    dead_letters: z.number().int(),
  }),
  subjects: z.array(z.string()).describe("The subjects with a responder (each agent answers on agent.<id>.ask)"),
  dead_letters: z.array(DeadLetterSchema).describe(`Requests that went nowhere, oldest first (the newest ${DEAD_LETTER_CAP} kept)`),
});
export type RequestReplyStatus = z.infer<typeof RequestReplyStatusSchema>;
