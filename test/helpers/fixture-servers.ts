// Server entries for the fixture MCP servers in test/fixtures/, tuned to start, restart and stop
// quickly so that tests about supervision do not wait on production timings.
import { isAbsolute } from "node:path";
import { packageBin } from "../../src/config/package-bin.js";
import { fixturePath } from "./processes.js";

/** `@modelcontextprotocol/server-everything` over stdio, as server `everything`. */
export const everythingEntry = (): Record<string, unknown> => ({
  id: "everything",
  command: [process.execPath, packageBin("@modelcontextprotocol/server-everything"), "stdio"],
  startup_timeout: 20,
  shutdown_timeout: 2,
});

/** A stdio server entry running `file` (a name in test/fixtures/, or an absolute path) with node. */
export function fixtureServer(id: string, file: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    command: [process.execPath, isAbsolute(file) ? file : fixturePath(file)],
    restart_backoff_initial: 0.1,
    restart_backoff_max: 0.4,
    startup_timeout: 5,
    shutdown_timeout: 2,
    ...extra,
  };
}
