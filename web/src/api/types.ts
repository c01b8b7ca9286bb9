/**
 * The daemon's wire types, taken from its built declarations (`npm run build` at the project
 * root writes them to dist/ before the dashboard is built), never copied by hand.
 */
export type {
  AlertRecordBody as AlertRecord,
  ErrorBody,
  HealthBody,
  HealthStatus,
  HealthUpdateMessage,
  ServerListBody,
  ServerState,
  ServerStatusMessage,
  ServerViewBody as ServerView,
  Topic,
} from "../../../dist/api/wire-types.js";
