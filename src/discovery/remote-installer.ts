/**
 * Remote servers are not installed: they are registered by URL with their transport. What can be
 * checked beforehand is the URL itself against the network policy; the addresses its host
 * resolves to are checked by the MCP manager each time it connects.
 */
import { AppError } from "../core/errors.js";
import { urlLiteralProblem, type NetworkPolicy } from "../mcp/index.js";
import type { Installer } from "./installer.js";

export function createRemoteInstaller(policy: NetworkPolicy): Installer {
  return {
    kind: "remote",

    preflight(plan) {
      const url = plan.server.url;
      if (url === undefined) throw new AppError("INTERNAL", `plan for "${plan.server_id}" has no URL`);
      const problem = urlLiteralProblem(url, policy);
      if (problem) throw new AppError("URL_NOT_ALLOWED", problem, { issues: [{ field: "url", message: problem }] });
      return undefined;
    },

    async install(context) {
      const { plan } = context;
      context.progress("installing", `nothing to install: ${plan.remote?.type ?? "remote"} server at ${originOf(plan.server.url)}`, 50);
      return { server: plan.server };
    },
  };
}

/** The scheme, host and port only: a URL's path or query may carry a token. */
function originOf(url: string | undefined): string {
  try {
    return new URL(url ?? "").origin;
  } catch {
    return "(invalid URL)";
  }
}
