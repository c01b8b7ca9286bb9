/** The API's public surface: what the daemon and the CLI may use. */
export { buildApp } from "./app.js";
export type { ApiDeps } from "./app.js";
export { createTokenService } from "./auth/token-service.js";
export type { TokenInfo, TokenService } from "./auth/token-service.js";
