export { createMcpManager } from "./manager.js";
export type { ManagerDeps } from "./manager.js";
export type {
  LogLine,
  McpManager,
  RegisterOptions,
  ServerSource,
  ServerView,
  ToolCallResult,
} from "./manager-types.js";
export { probeServer } from "./probe.js";
export type { ProbeOptions, ProbeResult } from "./probe.js";
