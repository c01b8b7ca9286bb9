/**
 * The gateway from the command line: `pygent mcp`, a stdio MCP server relaying to the daemon's
 * /mcp (what a desktop client launches), `pygent gateway status`, and the approval of held tools.
 */
import type { Command } from "commander";
import type { GatewayStatus } from "../../gateway/index.js";
import { clientFor, daemonTarget, examples, printJson, withDaemonOptions, type CliContext } from "../cli-context.js";
import { normaliseBaseUrl } from "../client.js";
import { terminalSafe } from "../terminal-text.js";
import { registerGatewayApprovalCommands } from "./gateway-approvals-command.js";

export function registerGatewayCommands(program: Command, ctx: CliContext): void {
  const mcp = program
    .command("mcp")
    .description("serve MCP on stdin/stdout, relayed to the running daemon's /mcp: every server it runs, as one (for Claude Desktop and other MCP clients)");
  withDaemonOptions(mcp)
    .addHelpText(
      "after",
      examples("pygent mcp", "PYGENT_TOKEN=... pygent mcp --url http://127.0.0.1:8000") +
        '\nIn Claude Desktop\'s config: "pygent": {"command": "npx", "args": ["pygent", "mcp"]}\n' +
        "Tools and prompts are named <server_id>__<name>. Nothing but MCP is written to stdout.\n",
    )
    .action(async (_options: unknown, cmd: Command) => {
      const { url, token } = daemonTarget(cmd, ctx);
      // Loaded here: the SDK is needed by this command only.
      const [{ GATEWAY_PATH }, { relayStdioToDaemon }] = await Promise.all([import("../../gateway/index.js"), import("../mcp-relay.js")]);
      await relayStdioToDaemon({
        url: new URL(`${normaliseBaseUrl(url)}${GATEWAY_PATH}`),
        token,
        warn: (line) => ctx.io.err(`pygent mcp: ${line}`),
      });
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
      if (report.excluded_servers.length > 0) {
        io.out(`left out (id contains "${report.separator}"): ${report.excluded_servers.map((id) => terminalSafe(id)).join(", ")}`);
      }
    });
  registerGatewayApprovalCommands(gateway, ctx);
}
