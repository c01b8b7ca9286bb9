/** The gateway's public surface: what the API and the daemon may use. */
export {
  createGateway,
  DEFAULT_NOTIFY_DEBOUNCE_MS,
  GATEWAY_CALL_METHODS,
  type Gateway,
  type GatewayDeps,
} from "./gateway.js";
export { GATEWAY_PATH, GATEWAY_RELAY_HEADER, profilePath } from "./paths.js";
export { callerAuthInfo } from "./builtin-tools.js";
export { type GatewayServices } from "./management-builtins.js";
export type { GatewayCaller } from "./call-passthrough.js";
export { GatewayStatusSchema, type GatewayStatus } from "./gateway-status.js";
export {
  ApprovalResultSchema,
  ApprovalsListSchema,
  ApproveBodySchema,
  ToolDefinitionSchema,
  type ApprovalResult,
  type HeldReason,
  type PendingApproval,
} from "./approvals-schema.js";
export type { ToolApprovals, ToolApprovalSettings } from "./tool-approvals.js";
export { globToRegExp } from "./profile-view.js";
export { DEFAULT_SEPARATOR, idFitsSeparator, MAX_TOOL_NAME_LENGTH, namespacedName, splitName } from "./names.js";
export { keptAnswerBytes } from "./kept-answers.js";
export { loadServerSdk } from "./server-sdk.js";
