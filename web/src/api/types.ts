/**
 * The daemon's wire types, taken from its built declarations (`npm run build` at the project
 * root writes them to dist/ before the dashboard is built), never copied by hand.
 */
export type {
  AlertRecordBody as AlertRecord,
  AlertRulePatchBody as AlertRulePatch,
  ApprovalResultBody as ApprovalResult,
  ApprovalsBody as Approvals,
  CapabilityChangesBody as CapabilityChanges,
  CapabilitySnapshotBody as CapabilitySnapshot,
  ErrorBody,
  HealthBody,
  HealthHistoryBody as HealthHistory,
  HealthStatus,
  HealthUpdateMessage,
  LogsBody,
  NewAlertRuleBody as NewAlertRule,
  NewSilenceBody as NewSilence,
  RuleViewBody as RuleView,
  ServerEventsBody,
  ServerHealthBody as ServerHealth,
  ServerListBody,
  ServerState,
  ServerStatusMessage,
  ServerViewBody as ServerView,
  SilenceViewBody as SilenceView,
  ToolCallResultBody as ToolCallResult,
  Topic,
} from "../../../dist/api/wire-types.js";
