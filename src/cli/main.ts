/**
 * The `pygent` command: builds the commander program and runs it, turning every outcome into an
 * exit code — 0 ok, 1 failure, 2 usage error. runCli() never calls process.exit, so tests run
 * commands in-process; bin/pygent.js sets process.exitCode from its result.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { DEFAULT_DAEMON_URL } from "./client.js";
import { processIo, type CliContext, type CliIo } from "./cli-context.js";
import { registerAlertsCommand } from "./commands/alerts-command.js";
import { registerAgentsCommand } from "./commands/agents-command.js";
import { registerAuditCommand } from "./commands/audit-command.js";
import { registerAuthCommand } from "./commands/auth-command.js";
import { registerDiscoverCommand } from "./commands/discover-command.js";
import { registerEvolveCommand } from "./commands/evolve-command.js";
import { registerGatewayCommands } from "./commands/gateway-command.js";
import { registerHealthCommand } from "./commands/health-command.js";
import { registerInstallCommands } from "./commands/install-command.js";
import { registerRagCommand } from "./commands/rag-command.js";
import { registerSecretsCommand } from "./commands/secrets-command.js";
import { registerServeCommand } from "./commands/serve-command.js";
import { registerServersCommand } from "./commands/servers-command.js";
import { registerTokenCommand } from "./commands/token-command.js";
import { registerValidateCommand } from "./commands/validate-command.js";
import { reportError } from "./report-error.js";

/** package.json sits two levels up from both src/cli/main.ts and dist/cli/main.js. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command("pygent");
  // Set before adding subcommands: commander copies these settings into each one it creates.
  program
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.write(text), writeErr: (text) => io.writeErr(text) })
    .showHelpAfterError("(add --help for usage)")
    // Options before a subcommand belong to pygent itself, so `servers add --url` can mean the
    // remote server's URL while `pygent --url ... servers add` names the daemon.
    .enablePositionalOptions();

  program
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .description("PyGent Factory: run, supervise and monitor MCP servers")
    .option("--url <url>", `daemon URL for client commands (default: $PYGENT_URL or ${DEFAULT_DAEMON_URL})`)
    .option("--token <token>", "API token for client commands (default: $PYGENT_TOKEN)")
    .addHelpText(
      "after",
      `
Examples:
  $ pygent serve                                   start the daemon on 127.0.0.1:8000
  $ pygent validate                                start every configured server once and report
  $ pygent servers list                            what the daemon runs
  $ pygent servers add fs -- npx -y @modelcontextprotocol/server-filesystem /tmp
  $ pygent servers call fs list_directory --arg path=/tmp
  $ pygent health                                  the daemon's health, exit 1 when critical
  $ pygent alerts silences add --matcher server=fs --duration 2h --comment "upgrade"
  $ pygent discover search github                  find servers in the catalog
  $ pygent install memory                          install one, register and start it
  $ pygent token create --role admin               the first token turns authentication on
  $ pygent auth status                             whether the API asks for tokens, and why
  $ pygent audit --action token.                   who changed what, from where
  $ pygent mcp                                     every server as one MCP server on stdio (Claude Desktop)
  $ pygent agents run <id> "<task>"                an agent does a task with the servers' tools

Environment:
  PYGENT_URL     daemon URL (default ${DEFAULT_DAEMON_URL})
  PYGENT_TOKEN   API token
  PYGENT_SECRET_KEY  the key that encrypts stored secrets (else data/secret.key)
  PYGENT_DEBUG   1 prints stack traces with errors
  NO_COLOR       disables colour

Exit codes: 0 ok, 1 failure, 2 usage error.
`,
    );

  registerServeCommand(program, ctx);
  registerValidateCommand(program, ctx);
  registerServersCommand(program, ctx);
  registerHealthCommand(program, ctx);
  registerAlertsCommand(program, ctx);
  registerDiscoverCommand(program, ctx);
  registerInstallCommands(program, ctx);
  registerTokenCommand(program, ctx);
  registerAuthCommand(program, ctx);
  registerAuditCommand(program, ctx);
  registerSecretsCommand(program, ctx);
  registerGatewayCommands(program, ctx);
  registerEvolveCommand(program, ctx);
  registerRagCommand(program, ctx);
  registerAgentsCommand(program, ctx);
  return program;
}

/** Runs the CLI on full argv (node, script, ...args) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CliContext = { io, exitCode: 0 };
  try {
    await buildProgram(ctx).parseAsync([...argv]);
    return ctx.exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}
