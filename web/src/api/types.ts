/**
 * The daemon's wire types, taken from its built declarations (`npm run build` at the project
 * root writes them to dist/ before the dashboard is built), never copied by hand.
 */
export type {
  AlertRecordBody as AlertRecord,
  AlertRulePatchBody as AlertRulePatch,
  ErrorBody,
  HealthBody,
  HealthStatus,
  HealthUpdateMessage,
  NewAlertRuleBody as NewAlertRule,
  NewSilenceBody as NewSilence,
  RuleViewBody as RuleView,
  ServerListBody,
  ServerState,
  ServerStatusMessage,
  ServerViewBody as ServerView,
  SilenceViewBody as SilenceView,
  Topic,
} from "../../../dist/api/wire-types.js";
