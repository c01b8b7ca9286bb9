/**
 * Python packages from PyPI run through uvx (uv) or pipx, which fetch the pinned version into
 * their own cache the first time the server starts: there is nothing to download beforehand,
 * only a runner to find. When the plan's runner is missing and the other one is there, the plan
 * is made again for it.
 */
import { AppError } from "../core/errors.js";
import { findExecutable } from "./find-executable.js";
import type { Installer } from "./installer.js";

/** The first start downloads the package and its dependencies; 30 s is often not enough. */
const FIRST_START_TIMEOUT_S = 180;

export function createPypiInstaller(): Installer {
  return {
    kind: "pypi",

    preflight(plan, environment) {
      const runner = plan.server.command?.[0];
      if (runner !== undefined && findExecutable(runner, environment)) return undefined;
      const other = runner === "pipx" ? "uvx" : "pipx";
      if (findExecutable(other, environment)) return { pythonRunner: other };
      throw new AppError(
        "RUNTIME_MISSING",
        `"${plan.server_id}" is a Python package run with uvx (from uv) or pipx, and neither is on the daemon's PATH; ` +
          "install uv (https://docs.astral.sh/uv/) or pipx and try again",
        { missing: ["uvx", "pipx"] },
      );
    },

    async install(context) {
      const { plan } = context;
      const runner = plan.server.command?.[0] ?? "uvx";
      const reference = plan.package ? `${plan.package.identifier}==${plan.package.version}` : plan.server_id;
      context.progress("installing", `${runner} fetches ${reference} when the server first starts`, 50);
      return {
        server: { ...plan.server, startup_timeout: plan.server.startup_timeout ?? FIRST_START_TIMEOUT_S },
      };
    },
  };
}
