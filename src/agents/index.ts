/** The Agent Factory: templates, agents and their lifecycle, task runs through the gateway; what the API, the daemon and the CLI use. */
export { createAgentFactory, type AgentFactory, type AgentFactoryDeps, type AskReply } from "./agent-factory.js";
export type { AgentMemoryPort, ContextPorts, RetrievalPort } from "./context-sources.js";
export { AGENT_STATES, type AgentState } from "./lifecycle.js";
export {
  AgentViewSchema,
  CreateAgentBodySchema,
  RUN_STATUSES,
  RunBodySchema,
  RunDetailSchema,
  RunViewSchema,
  StepViewSchema,
  TemplateViewSchema,
  type AgentView,
  type CreateAgentBody,
  type RunBody,
  type RunDetail,
  type RunView,
  type StepView,
} from "./schemas.js";
export { AGENT_TYPES, AgentSettingsSchema, TEMPLATES, type AgentSettings, type AgentTemplate, type AgentType } from "./templates.js";
