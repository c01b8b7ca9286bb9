/** The Memory Manager's wire shapes, owned here and carried by the API. */
import { z } from "zod";
import { SERVER_ID_PATTERN } from "../core/ids.js";
import { MEMORY_KINDS } from "../store/index.js";
import { DEFAULT_MEMORY_RULES } from "./memory-manager.js";

const MAX_ITEM = DEFAULT_MEMORY_RULES.maxItemChars;
const MAX_WORKING = DEFAULT_MEMORY_RULES.maxWorkingChars;

export const MemoryKindSchema = z.enum(MEMORY_KINDS as ["message", "fact", "episode"]);

export const AgentIdParamsSchema = z
  .object({
    agentId: z
      .string()
      .max(64, "must be at most 64 characters")
      .regex(SERVER_ID_PATTERN, "may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit"),
  })
  .strict();

export const MemoryPageQuerySchema = z
  .object({
    kind: MemoryKindSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const NewFactSchema = z
  .object({
    content: z.string().trim().min(1, "must not be empty").max(MAX_ITEM, `must be at most ${MAX_ITEM} characters`),
    importance: z.number().min(0).max(1).default(0.7),
  })
  .strict();

export const RecallQuerySchema = z
  .object({
    q: z.string().trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters"),
    limit: z.coerce.number().int().min(1).max(50).default(5),
  })
  .strict();

export const WorkingMemorySchema = z.object({ content: z.string().max(MAX_WORKING, `must be at most ${MAX_WORKING} characters`) }).strict();

export const MemoryItemSchema = z.object({
  id: z.number(),
  agent_id: z.string(),
  kind: MemoryKindSchema,
  content: z.string(),
  importance: z.number(),
  embedder_id: z.string().nullable(),
  recall_count: z.number(),
  created_at: z.number(),
  last_recalled_at: z.number().nullable(),
  promoted_at: z.number().nullable(),
});

export const MemoryPageSchema = z.object({
  agent_id: z.string(),
  items: z.array(MemoryItemSchema),
  total: z.number(),
  counts: z.object({ message: z.number(), fact: z.number(), episode: z.number() }),
  working: z.object({ content: z.string(), updated_at: z.number() }).nullable(),
});

export const RecallResponseSchema = z.object({
  agent_id: z.string(),
  results: z.array(
    z.object({
      id: z.number(),
      content: z.string(),
      kind: z.enum(["fact", "episode"]),
      score: z.number(),
      similarity: z.number(),
      importance: z.number(),
      created_at: z.number(),
    }),
  ),
});
