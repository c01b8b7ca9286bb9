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
