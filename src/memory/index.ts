/** The Memory Manager: each agent's short-term messages, facts, episodes and working memory. */
export { DEFAULT_MEMORY_RULES, MemoryManager, type MemoryManagerDeps, type MemoryPage, type MemoryRules, type RecalledMemory } from "./memory-manager.js";
export {
  AgentIdParamsSchema,
  MemoryItemSchema,
  MemoryKindSchema,
  MemoryPageQuerySchema,
  MemoryPageSchema,
  NewFactSchema,
  RecallQuerySchema,
  RecallResponseSchema,
  WorkingMemorySchema,
} from "./schemas.js";
