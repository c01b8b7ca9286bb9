import type { Migration } from "./index.js";

/** An optional expiry per API token (ms since the epoch); existing tokens never expire. */
export const migration010: Migration = {
  version: 10,
  name: "token expiry",
  statements: [`ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT`],
};
