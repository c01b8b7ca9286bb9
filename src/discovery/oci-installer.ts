/**
 * OCI images run with docker: the pinned image is pulled at install time, so the first start
 * does not wait on a download. Rolling back leaves a pulled image in docker's store; `docker
 * image prune` is the operator's to run.
 */
import { AppError } from "../core/errors.js";
import { findExecutable } from "./find-executable.js";
import { outputTail, toolEnvironment, type Installer } from "./installer.js";
import { runCommand } from "./run-command.js";

export function createOciInstaller(): Installer {
  return {
    kind: "oci",

    preflight(plan, environment) {
      if (!findExecutable("docker", environment)) {
        throw new AppError("RUNTIME_MISSING", `"${plan.server_id}" is an OCI image run with docker, which is not on the daemon's PATH`, {
          missing: ["docker"],
        });
      }
      return undefined;
    },

    async install(context) {
      const { plan } = context;
      for (const step of plan.steps) {
        context.progress("downloading", step.description, 15);
        const result = await runCommand({
          argv: step.argv,
          // DOCKER_HOST and DOCKER_CONFIG say which daemon and which registry logins to use.
          env: toolEnvironment(context.environment, ["docker_"]),
          timeoutMs: context.timeoutMs,
          signal: context.signal,
          groups: context.groups,
          onLine: (line) => context.progress("downloading", line, 30),
        });
        if (result.code !== 0) {
          throw new AppError("INSTALL_FAILED", `${step.argv.join(" ")} failed (exit code ${result.code})${outputTail(result.tail)}`);
        }
      }
      context.progress("installing", "image pulled", 60);
      return { server: plan.server };
    },
  };
}
