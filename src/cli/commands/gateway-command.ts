/**
 * The gateway from the command line: `pygent mcp`, a stdio MCP server relaying to the daemon's
 * /mcp or a profile's /mcp/p/<name> (what a desktop client launches), or with --embedded to a
 * daemon it runs itself, `pygent gateway
 * status|sessions|profiles`, and the approval of held tools.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { GatewayStatus } from "../../gateway/index.js";
import { clientFor, daemonTarget, examples, printJson, UsageError, withDaemonOptions, type CliContext } from "../cli-context.js";
import { normaliseBaseUrl } from "../client.js";
import { formatInstant, formatTable } from "../table.js";
import { terminalSafe } from "../terminal-text.js";
import { registerGatewayApprovalCommands } from "./gateway-approvals-command.js";
import { withDaemonFileOptions, type DaemonFileOptions } from "./serve-command.js";

interface McpOptions extends DaemonFileOptions {
  profile?: string;
  embedded?: boolean;
  url?: string;
}

export function registerGatewayCommands(program: Command, ctx: CliContext): void {
  const mcp = program
    .command("mcp")
    .description("serve MCP on stdin/stdout, relayed to the running daemon's /mcp: every server it runs, as one (for Claude Desktop and other MCP clients)");
  withDaemonFileOptions(withDaemonOptions(mcp))
    .option("--profile <name>", "serve only this gateway profile's subset (gateway.profiles in the config)")
    .option("--embedded", "no daemon runs: run the config file's servers in this process (as `pygent serve` would, with --config, --data-dir, --log-level) until stdin closes")
    .addHelpText(
      "after",
      examples(
        "pygent mcp",
        "pygent mcp --profile research",
        "PYGENT_TOKEN=... pygent mcp --url http://127.0.0.1:8000",
        "pygent mcp --embedded --config ~/pygent/mcp_server_configs.json --data-dir ~/pygent/data",
      ) +
        '\nIn Claude Desktop\'s config: "pygent": {"command": "npx", "args": ["pygent", "mcp"]}\n' +
        'Without a daemon: "pygent": {"command": "npx", "args": ["pygent", "mcp", "--embedded", "--config", "/abs/mcp_server_configs.json", "--data-dir", "/abs/data"]}\n' +
        "Tools and prompts are named <server_id>__<name>. Nothing but MCP is written to stdout; logs go to stderr.\n",
    )
    .action(async (options: McpOptions, cmd: Command) => {
      const { url, token } = daemonTarget(cmd, ctx);
      const [{ GATEWAY_PATH, profilePath }, { relayStdioToDaemon }] = await Promise.all([import("../../gateway/paths.js"), import("../mcp-relay.js")]);
      const path = options.profile === undefined ? GATEWAY_PATH : profilePath(options.profile);
      const relay = { token, warn: (line: string) => ctx.io.err(`pygent mcp: ${line}`) };
      if (options.embedded) {
        if (options.url !== undefined) throw new UsageError("--url names a running daemon and --embedded runs its own: give one or the other");
        const { serveEmbedded } = await import("../mcp-embedded.js");
        return serveEmbedded({ configPath: resolve(options.config), dataDir: resolve(options.dataDir), logLevel: options.logLevel, path, relay }, ctx);
      }
      if (["config", "dataDir", "logLevel"].some((key) => cmd.getOptionValueSource(key) === "cli")) throw new UsageError("--config, --data-dir and --log-level apply only with --embedded (a running daemon has its own)");
      await relayStdioToDaemon({ ...relay, url: new URL(`${normaliseBaseUrl(url)}${path}`) });
    });

  const gateway = program.command("gateway").description("the MCP gateway the daemon serves at /mcp");
  const status = gateway.command("status").description("open sessions, servers, tools, prompts and resources served, calls made").option("--json", "print JSON");
  withDaemonOptions(status)
    .addHelpText("after", examples("pygent gateway status", "pygent gateway status --json"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const report = await client.get<GatewayStatus>("/api/v1/gateway");
      if (options.json) return printJson(ctx.io, report);
      const { io } = ctx;
      io.out(`gateway: ${client.baseUrl}${report.path} (names: <server_id>${report.separator}<name>)`);
      io.out(`sessions: ${report.sessions}`);
      io.out(`servers: ${report.servers}, tools: ${report.tools}, prompts: ${report.prompts}, resources: ${report.resources}`);
      io.out(`calls: ${report.calls.total} (${report.calls.failed} failed)`);
      if (report.awaiting_approval > 0) io.out(`awaiting approval: ${report.awaiting_approval} tool(s) withheld (pygent gateway approvals)`);
      if (report.profiles.length > 0) io.out(`profiles: ${report.profiles.map((profile) => terminalSafe(profile.name)).join(", ")}`);
      if (report.excluded_servers.length > 0) {
        io.out(`left out (id contains "${report.separator}"): ${report.excluded_servers.map((id) => terminalSafe(id)).join(", ")}`);
      }
    });
  const sessions = gateway.command("sessions").description("the open MCP sessions: profile, client, when opened, last activity, calls").option("--json", "print JSON");
  withDaemonOptions(sessions)
    .addHelpText("after", examples("pygent gateway sessions", "pygent gateway sessions --json"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const { clients } = await clientFor(cmd, ctx).get<GatewayStatus>("/api/v1/gateway");
      if (options.json) return printJson(ctx.io, clients);
      if (clients.length === 0) return ctx.io.out("no open sessions");
      ctx.io.out(
        formatTable(clients, [
          { header: "session", value: (row) => row.session_id, max: 36 },
          { header: "profile", value: (row) => row.profile ?? "(all)", max: 32 },
          { header: "client", value: (row) => (row.client ? `${row.client.name} ${row.client.version}` : null), max: 40 },
          { header: "opened", value: (row) => formatInstant(row.opened_at) },
          { header: "last activity", value: (row) => formatInstant(row.last_activity_at) },
          { header: "calls", value: (row) => row.calls, align: "right" },
        ]),
      );
    });

  const profiles = gateway.command("profiles").description("the gateway profiles (gateway.profiles): path, role, tools served, sessions").option("--json", "print JSON");
  withDaemonOptions(profiles)
    .addHelpText("after", examples("pygent gateway profiles", "pygent gateway profiles --json"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const report = await clientFor(cmd, ctx).get<GatewayStatus>("/api/v1/gateway");
      if (options.json) return printJson(ctx.io, report.profiles);
      if (report.profiles.length === 0) return ctx.io.out("no profiles (add them under gateway.profiles in the config)");
      ctx.io.out(
        formatTable(report.profiles, [
          { header: "profile", value: (row) => row.name, max: 32 },
          { header: "path", value: (row) => row.path },
          { header: "role", value: (row) => row.role },
          { header: "tools", value: (row) => row.tools, align: "right" },
          { header: "sessions", value: (row) => row.sessions, align: "right" },
          { header: "missing servers", value: (row) => row.missing_servers.join(", ") },
        ]),
      );
    });
  registerGatewayApprovalCommands(gateway, ctx);
}
