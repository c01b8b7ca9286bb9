/** Evolution of agent templates: what the API, the CLI and the daemon use. */
export { EvolutionSettingsSchema, type Candidate, type EvolutionResult, type EvolutionSettings, type StopReason } from "./evolve.js";
export {
  DEFAULT_RETRIEVAL_GENES,
  GeneSpaceSchema,
  GenomeSchema,
  retrievalGenome,
  type GeneSpace,
  type Genome,
  type RetrievalGenes,
} from "./genome.js";
export { agentKind, AgentTaskSchema, genomeOfSettings, retrievalKind, RetrievalTaskSchema, type AgentTrials, type EvolutionKind, type RetrievalSearch } from "./kinds.js";
export { EVOLUTION_KINDS, EvolutionRunBodySchema, EvolutionService, type EvolutionKindName, type EvolutionRunBody, type EvolutionRunView } from "./evolution-service.js";
export { ScorerSchema, score, type RunOutcome, type Scorer } from "./scorers.js";
