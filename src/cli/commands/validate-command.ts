/**
 * `pygent validate` (the seed's validate_mcp_servers.py): checks the config file, then starts
 * every enabled server once, in parallel, runs initialize and the list calls, and reports. Needs
 * no daemon; the probe owns the child processes and stops them before it resolves. Warns (on
 * stderr, naming fields, never values) when the file holds literal secrets other users can read.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { exposedSecretsWarning } from "../../config/file-privacy.js";
import { DEFAULT_CONFIG_FILE } from "../../config/file-name.js";
import type { ServerConfig } from "../../config/schema.js";
import type { ProbeResult } from "../../mcp/index.js";
import { EXIT_FAILURE, examples, printJson, type CliContext } from "../cli-context.js";
import { parsePositiveNumber } from "../option-parsers.js";
import { formatTable, statusStyle } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

interface ValidateOptions {
  config: string;
  json?: boolean;
  /** Overrides every server's startup_timeout when given. */
  timeout?: number;
}

export function registerValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command("validate")
    .description("check the config file and start every enabled server once to see that it answers")
    .option("-c, --config <file>", "server config file", DEFAULT_CONFIG_FILE)
    .option("--json", "print the results as JSON")
    .option("-t, --timeout <seconds>", "time each server gets to start and answer (default: its startup_timeout)", parsePositiveNumber)
    .addHelpText(
      "after",
      examples("pygent validate", "pygent validate --config ./mcp_server_configs.json --timeout 60", "pygent validate --json | jq '.failed'") +
        "\nExits 1 when the config is invalid or any server fails.\n",
    )
    .action(async (options: ValidateOptions) => {
      const configPath = resolve(options.config);
      const [{ loadConfigFile }, { profileServerWarnings }] = await Promise.all([
        import("../../config/loader.js"),
        import("../../config/gateway-profiles-schema.js"),
      ]);
      // A CONFIG_INVALID error from the loader lists its problems one per line (report-error).
      const config = await loadConfigFile(configPath);
      const exposed = await exposedSecretsWarning(configPath, config);
      if (exposed) ctx.io.err(`warning: ${terminalSafe(exposed.message)}`);
      const ids = new Set(config.servers.map((server) => server.id));
      for (const warning of profileServerWarnings(config.gateway?.profiles ?? {}, ids)) ctx.io.err(`warning: ${terminalSafe(warning)}`);
      const enabled = config.servers.filter((server) => server.enabled);
      const { probeServer } = await import("../../mcp/index.js");
      // probeServer reports every failure in its result; it does not throw.
      const probeOptions = options.timeout === undefined ? {} : { timeoutMs: options.timeout * 1000 };
      const results = await Promise.all(enabled.map((server) => probeServer(server, probeOptions)));
      const passed = results.filter((result) => result.ok).length;
      const failed = results.length - passed;
      if (failed > 0) ctx.exitCode = EXIT_FAILURE;

      if (options.json) {
        printJson(ctx.io, { servers: results, passed, failed });
        return;
      }
      const { io } = ctx;
      if (results.length > 0) {
        io.out(
          formatTable(results, [
            { header: "server", value: (r) => r.id, max: 32 },
            { header: "transport", value: (r) => r.transport },
            { header: "status", value: (r) => (r.ok ? "OK" : "FAILED"), style: statusStyle(io.paint) },
            { header: "init ms", value: (r) => (r.init_ms === null ? null : Math.round(r.init_ms)), align: "right" },
            { header: "tools", value: (r) => r.tools, align: "right" },
            { header: "resources", value: (r) => r.resources, align: "right" },
            { header: "prompts", value: (r) => r.prompts, align: "right" },
            { header: "error", value: (r) => r.error, max: 80 },
          ]),
        );
        io.out("");
      }
      const skipped = config.servers.length - enabled.length;
      const note = skipped > 0 ? ` (${skipped} disabled, not checked)` : "";
      io.out(`${passed} of ${results.length} servers passed${note}`);
    });
}

