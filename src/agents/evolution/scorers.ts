/**
 * Deterministic scorers: how well one run of an agent did on one task, in [0, 1], from what it
 * answered, the tools it called and what it retrieved. No model judges another; the same run
 * always gets the same score.
 */
import { z } from "zod";
import { recallAtK } from "../../rag/index.js";

export const ScorerSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("exact"),
    expected: z.string(),
    case_sensitive: z.boolean().default(false),
  }),
  z.object({
    kind: z.literal("regex"),
    pattern: z.string().min(1).max(1_000),
    flags: z
      .string()
      .regex(/^[imsu]*$/, "may hold only the flags i, m, s and u")
      .default(""),
  }),
  z.object({
    kind: z.literal("json_schema"),
    /** The answer must be JSON valid against this JSON Schema. */
    schema: z.record(z.string(), z.unknown()),
  }),
  z.object({
    kind: z.literal("tool_calls"),
    /** The calls expected, in order; arguments listed must match, others are free. */
    expected: z.array(z.object({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() })).min(1),
  }),
  z.object({
    kind: z.literal("retrieval_recall"),
    /** Sources that answer the task. */
    relevant: z.array(z.string().min(1)).min(1),
    k: z.number().int().min(1).max(100).default(5),
  }),
]);
export type Scorer = z.infer<typeof ScorerSchema>;

/** What a run produced, as far as the scorers look. */
export interface RunOutcome {
  answer: string;
  tool_calls: { name: string; arguments: Record<string, unknown> }[];
  /** Sources of the retrieved chunks, best first. */
  retrieved: string[];
}

function argumentsMatch(expected: Record<string, unknown> | undefined, actual: Record<string, unknown>): boolean {
  if (!expected) return true;
  return Object.entries(expected).every(([key, value]) => JSON.stringify(actual[key]) === JSON.stringify(value));
}

/** Expected calls found in order (each after the previous match), over the larger of expected and made: extra calls cost. */
function toolCallAccuracy(expected: Extract<Scorer, { kind: "tool_calls" }>["expected"], actual: RunOutcome["tool_calls"]): number {
  let matched = 0;
  let from = 0;
  for (const call of expected) {
    const at = actual.findIndex((made, index) => index >= from && made.name === call.name && argumentsMatch(call.arguments, made.arguments));
    if (at < 0) continue;
    matched += 1;
    from = at + 1;
  }
  return matched / Math.max(expected.length, actual.length);
}

function jsonSchemaScore(schema: Record<string, unknown>, answer: string): number {
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    return 0;
  }
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value).success ? 1 : 0;
}

export function score(scorer: Scorer, outcome: RunOutcome): number {
  switch (scorer.kind) {
    case "exact":
      return scorer.case_sensitive
        ? Number(outcome.answer.trim() === scorer.expected.trim())
        : Number(outcome.answer.trim().toLowerCase() === scorer.expected.trim().toLowerCase());
    case "regex":
      return Number(new RegExp(scorer.pattern, scorer.flags).test(outcome.answer));
    case "json_schema":
      return jsonSchemaScore(scorer.schema, outcome.answer);
    case "tool_calls":
      return toolCallAccuracy(scorer.expected, outcome.tool_calls);
    case "retrieval_recall":
      return recallAtK(scorer.relevant, outcome.retrieved, scorer.k);
  }
}
