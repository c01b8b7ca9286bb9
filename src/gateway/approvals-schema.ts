/** What `GET /api/v1/gateway/approvals` and the approve routes answer, and what they accept. */
import { z } from "zod";

const SuspiciousFlagSchema = z
  .object({
    flag: z.enum(["invisible_characters", "control_characters", "instruction_tags", "too_long"]),
    /** Where in the definition, e.g. `input_schema.properties.path.description`. */
    field: z.string(),
    detail: z.string(),
  })
  .strict();

export const HeldReasonSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("changed"), fields: z.array(z.string()) }).strict(),
  z.object({ kind: z.literal("added") }).strict(),
  z.object({ kind: z.literal("suspicious"), flags: z.array(SuspiciousFlagSchema) }).strict(),
]);
export type HeldReason = z.infer<typeof HeldReasonSchema>;

/** A tool as a server lists it (the bus's ToolSummary): what a client sees, and what is approved. */
export const ToolDefinitionSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.unknown(),
  output_schema: z.unknown().optional(),
  annotations: z.unknown().optional(),
});

const DefinitionDiffSchema = z
  .object({
    fields: z.array(z.string()),
    description: z.array(z.object({ op: z.enum(["=", "-", "+"]), text: z.string() }).strict()).nullable(),
    changes: z.array(
      z
        .object({
          path: z.string(),
          change: z.enum(["added", "removed", "changed"]),
          before: z.string().optional(),
          after: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();

export const PendingApprovalSchema = z
  .object({
    server_id: z.string(),
    tool: z.string(),
    /** The name clients would see, `<server_id><separator><tool>`; null when MCP would refuse it. */
    gateway_name: z.string().nullable(),
    /** The hash of the definition served now: send it back as `hash` to approve exactly this one. */
    hash: z.string(),
    reasons: z.array(HeldReasonSchema),
    /** The definition approved before, or null for a tool never approved. */
    approved: z
      .object({ definition: ToolDefinitionSchema, hash: z.string(), approved_at: z.number().int(), approved_by: z.string() })
      .strict()
      .nullable(),
    current: ToolDefinitionSchema,
    /** Approved against current; null when nothing was approved before. */
    diff: DefinitionDiffSchema.nullable(),
  })
  .strict();
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

export const ApprovalsListSchema = z
  .object({
    /** `gateway.approve_changes`: when false nothing is held. */
    enabled: z.boolean(),
    pending: z.array(PendingApprovalSchema),
  })
  .strict();

export const ApprovalResultSchema = z
  .object({
    server_id: z.string(),
    tool: z.string(),
    hash: z.string(),
    approved_at: z.number().int(),
    approved_by: z.string(),
    /** The definition served now was approved already; nothing changed. */
    already_approved: z.boolean(),
  })
  .strict();
export type ApprovalResult = z.infer<typeof ApprovalResultSchema>;

export const ApproveBodySchema = z
  .object({
    /** The hash shown with the pending definition: the approval is refused if the server changed it again since. */
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the 64 hex digits of a definition's hash, as GET /api/v1/gateway/approvals shows it")
      .optional(),
  })
  .strict();
