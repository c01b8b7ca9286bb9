/**
 * The daemon's wire types, taken from its built declarations (`npm run build` at the project
 * root writes them to dist/ before the dashboard is built), never copied by hand.
 */
export type {
  AlertRecordBody as AlertRecord,
  ApprovalResultBody as ApprovalResult,
  ApprovalsBody,
  AuditEntryBody as AuditEntry,
  CategoriesBody,
  DiscoveredServerBody as DiscoveredServer,
  DiscoveredServerDetailBody as DiscoveredServerDetail,
  ErrorBody,
  GatewayStatusBody as GatewayStatus,
  HealthBody,
  HealthStatus,
  HealthUpdateMessage,
  InstallProgressMessage,
  InstallResponseBody as InstallResponse,
  PendingApproval,
  PopularBody,
  SearchResultBody,
  ServerListBody,
  ServerState,
  ServerStatusMessage,
  ServerViewBody as ServerView,
  Topic,
} from "../../../dist/api/wire-types.js";
