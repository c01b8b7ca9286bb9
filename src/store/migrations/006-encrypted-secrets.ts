import type { Migration } from "./index.js";

/**
 * Secret values are encrypted at rest (src/store/secret-cipher.ts). Rows written before this
 * migration hold plaintext and are marked 0; the store encrypts them when it is next opened, so
 * the flag, not a guess from the value's shape, says which rows still need it.
 */
export const migration006: Migration = {
  version: 6,
  name: "encrypted secrets",
  statements: ["ALTER TABLE secrets ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0"],
};
