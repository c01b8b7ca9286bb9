export { createMcpManager } from "./manager.js";
export type { ManagerDeps, SecretLookup } from "./manager.js";
export type {
  CallOptions,
  CallProgress,
  CompletionParams,
  LogLine,
  McpManager,
  RegisterOptions,
  ResourceTemplateSummary,
  ServerLogMessage,
  ServerSource,
  ServerView,
  ToolCallResult,
  UpstreamRequest,
  UpstreamResult,
} from "./manager-types.js";
export { ON_DEMAND_WAITING, startsOnCall } from "./on-demand.js";
export { failedProbe, probeServer } from "./probe.js";
export type { ProbeOptions, ProbeResult } from "./probe.js";
export {
  STRICT_NETWORK_POLICY,
  URL_POLICY_REFUSAL,
  addressProblem,
  checkUrl,
  classifyAddress,
  createUrlGuard,
  systemLookup,
  urlLiteralProblem,
  type AddressClass,
  type AddressKind,
  type HostLookup,
  type NetworkPolicy,
  type UrlGuard,
} from "./url-policy.js";
export { terminateGroup } from "./process-group.js";
export { INSTANCE_ENV } from "./supervisor.js";
