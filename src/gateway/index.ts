/** The gateway's public surface: what the API and the daemon may use. */
export {
  createGateway,
  DEFAULT_NOTIFY_DEBOUNCE_MS,
  GATEWAY_CALL_METHODS,
  GATEWAY_PATH,
  GATEWAY_RELAY_HEADER,
  type Gateway,
  type GatewayDeps,
} from "./gateway.js";
export type { GatewayCaller } from "./call-passthrough.js";
export { GatewayStatusSchema, type GatewayStatus } from "./gateway-status.js";
export { DEFAULT_SEPARATOR, idFitsSeparator, MAX_TOOL_NAME_LENGTH, namespacedName, splitName } from "./names.js";
export { loadServerSdk } from "./server-sdk.js";
