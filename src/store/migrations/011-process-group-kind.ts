import type { Migration } from "./index.js";

/**
 * Install commands (npm install, docker pull) run in process groups of their own, recorded like
 * servers' so that a daemon killed mid-install has its next start end them; `kind` tells the two
 * apart in the log and leaves server groups as they were.
 */
export const migration011: Migration = {
  version: 11,
  name: "kind of a recorded process group: a server or an install",
  statements: [`ALTER TABLE process_groups ADD COLUMN kind TEXT NOT NULL DEFAULT 'server'`],
};
