/** Shapes of the system health report, shared by the components that make it up. */
import type { HealthStatus } from "../bus/events.js";

export const SYSTEM_COMPONENTS = ["database", "agents", "mcp", "memory", "rag", "ollama"] as const;
export type SystemComponent = (typeof SYSTEM_COMPONENTS)[number];

export interface ComponentHealth {
  status: HealthStatus;
  reasons: string[];
  details: Record<string, unknown>;
}

export interface SystemHealthReport {
  status: HealthStatus;
  version: string;
  uptime_s: number;
  components: Record<SystemComponent, ComponentHealth>;
}

/** The retrieval system's figures, as the daemon hands them to the rag component. */
export interface RagHealthFigures {
  documents: number;
  chunks: number;
  /** The embedder new vectors come from. */
  embedder: string;
  /** The embedder whose vectors the index holds; null while it holds none. */
  index_embedder: string | null;
  index_bytes: number;
  last_ingest_at: number | null;
}

/** The Memory Manager's figures, joined to the memory component. */
export interface MemoryManagerFigures {
  agents_with_memory: number;
  items_by_kind: Record<string, number>;
  working_documents: number;
  store_bytes: number;
}
