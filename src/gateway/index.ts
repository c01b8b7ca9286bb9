/** The gateway's public surface: what the API and the daemon may use. */
export {
  createGateway,
  DEFAULT_NOTIFY_DEBOUNCE_MS,
  GATEWAY_CALL_METHODS,
  GATEWAY_PATH,
  profilePath,
  type Gateway,
  type GatewayDeps,
} from "./gateway.js";
export { GatewayStatusSchema, type GatewayStatus } from "./gateway-status.js";
export { DEFAULT_SEPARATOR, idFitsSeparator, MAX_TOOL_NAME_LENGTH, namespacedName, splitName } from "./names.js";
export type { GatewayView } from "./profile-view.js";
export { loadServerSdk } from "./server-sdk.js";
export { SEARCH_MODE_TOOLS } from "../config/gateway-profiles-schema.js";
