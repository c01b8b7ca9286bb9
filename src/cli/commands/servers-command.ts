/**
 * `pygent servers ...`: the MCP servers the daemon supervises, over /api/v1/mcp/servers
 * (docs/contracts.md), plus `servers import`, which only edits the config file. Each subcommand
 * parses its input, makes one call and shapes the answer; the daemon does the work.
 */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import type { CapabilitySnapshot } from "../../bus/events.js";
import { sleep } from "../../core/clock.js";
import { DEFAULT_CONFIG_FILE } from "../../config/file-name.js";
import type { LogLine, ServerView, ToolCallResult } from "../../mcp/index.js";
import type { ApiClient } from "../client.js";
import { EXIT_FAILURE, UsageError, clientFor, examples, printJson, withDaemonOptions, type CliContext, type CliIo } from "../cli-context.js";
import { START_CURSOR, linesAfter } from "../log-cursor.js";
import {
  collectKeyValue,
  collectToolArg,
  parseJsonObject,
  parsePositiveInt,
  parsePositiveNumber,
  splitCommandLine,
} from "../option-parsers.js";
import { formatTable, statusStyle } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

/** Starting a server waits for initialize (startup_timeout is 30 s by default). */
const LIFECYCLE_TIMEOUT_MS = 90_000;
/** A tool call waits for the server (request_timeout is 60 s by default). */
const TOOL_CALL_TIMEOUT_MS = 300_000;
const FOLLOW_INTERVAL_MS = 1000;
const FOLLOW_POLL_LIMIT = 1000;

const serverPath = (id: string): string => `/api/v1/mcp/servers/${encodeURIComponent(id)}`;

export function registerServersCommand(program: Command, ctx: CliContext): void {
  const servers = program
    .command("servers")
    .description("list, add, remove, start, stop and inspect the daemon's MCP servers")
    .addHelpText("after", examples("pygent servers list", "pygent servers add fs -- npx -y @modelcontextprotocol/server-filesystem /tmp", "pygent servers logs fs --follow"));

  registerList(servers, ctx);
  registerAdd(servers, ctx);
  registerRemove(servers, ctx);
  for (const action of ["start", "stop", "restart"] as const) registerLifecycle(servers, ctx, action);
  registerLogs(servers, ctx);
  registerTools(servers, ctx);
  registerCall(servers, ctx);
  registerImport(servers, ctx);
}

function registerList(servers: Command, ctx: CliContext): void {
  withDaemonOptions(servers.command("list").alias("ls").description("list the servers and their state").option("--json", "print JSON"))
    .addHelpText("after", examples("pygent servers list", "pygent servers list --json | jq '.servers[].id'"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const body = await clientFor(cmd, ctx).get<{ servers: ServerView[] }>("/api/v1/mcp/servers");
      if (options.json) return printJson(ctx.io, body);
      printServerTable(ctx.io, body.servers);
    });
}

export function printServerTable(io: CliIo, servers: readonly ServerView[]): void {
  if (servers.length === 0) {
    io.out("No servers. Add one with `pygent servers add` or in mcp_server_configs.json.");
    return;
  }
  io.out(
    formatTable(servers, [
      { header: "id", value: (s) => s.id, max: 32 },
      { header: "state", value: (s) => (s.enabled ? s.state : `${s.state} (disabled)`), style: statusStyle(io.paint) },
      { header: "transport", value: (s) => s.transport },
      { header: "pid", value: (s) => s.pid, align: "right" },
      { header: "restarts", value: (s) => s.restarts, align: "right" },
      { header: "tools", value: (s) => s.tools_count, align: "right" },
      { header: "reason", value: (s) => s.reason, max: 70 },
    ]),
  );
}

interface AddOptions {
  command?: string;
  url?: string;
  transport?: "stdio" | "sse" | "http";
  name?: string;
  category?: string;
  description?: string;
  env?: Record<string, string>;
  header?: Record<string, string>;
  cwd?: string;
  autoRestart: boolean;
  healthCheckInterval?: number;
  start: boolean;
}

function registerAdd(servers: Command, ctx: CliContext): void {
  const add = servers
    .command("add")
    .description("register a server with the daemon (kept in its database, not in the config file)")
    .argument("<id>", "server id: letters, digits, '.', '_' and '-'")
    .argument("[argv...]", "the command and its arguments, after --")
    .option("--command <line>", "the command as one string (quotes allowed), instead of -- argv...")
    .option("--url <url>", "URL of a remote server (the daemon's own URL goes before the command: pygent --url ... servers add)")
    .addOption(new Option("--transport <transport>", "transport of a remote server").choices(["sse", "http"]))
    .option("--name <name>", "display name")
    .option("--category <category>", "category, e.g. development or automation")
    .option("--description <text>", "what the server is for")
    .option("-e, --env <KEY=VALUE>", "environment variable for the process (repeatable; ${VAR} is filled from the daemon's env)", collectKeyValue)
    .option("-H, --header <NAME=VALUE>", "HTTP header for a remote server (repeatable)", collectKeyValue)
    .option("--cwd <dir>", "working directory of the process")
    .option("--no-auto-restart", "do not restart the server when it exits")
    .option("--health-check-interval <seconds>", "seconds between health checks", parsePositiveNumber)
    .option("--no-start", "register it stopped");
  withDaemonOptions(add, { url: false })
    .addHelpText(
      "after",
      examples(
        "pygent servers add fs -- npx -y @modelcontextprotocol/server-filesystem /tmp",
        'pygent servers add memory --command "npx -y @modelcontextprotocol/server-memory" --category memory',
        "pygent servers add github --env GITHUB_TOKEN='${GITHUB_TOKEN}' -- npx -y @modelcontextprotocol/server-github",
        "pygent servers add docs --url https://docs.mcp.cloudflare.com/sse --transport sse",
        "pygent servers add api --url https://mcp.example.com/mcp -H 'Authorization=Bearer ${API_TOKEN}' --no-start",
      ),
    )
    .action(async (id: string, argv: string[], options: AddOptions, cmd: Command) => {
      const body = addRequestBody(id, argv, options);
      const view = await clientFor(cmd, ctx, { ownUrl: false, timeoutMs: LIFECYCLE_TIMEOUT_MS }).post<ServerView>("/api/v1/mcp/servers", body);
      ctx.io.out(`Added server ${view.id}: ${describeState(view)}`);
      if (isBroken(view)) ctx.exitCode = EXIT_FAILURE;
    });
}

/** The POST body for `servers add`; throws UsageError when the way to reach the server is unclear. */
export function addRequestBody(id: string, argv: readonly string[], options: AddOptions): Record<string, unknown> {
  const command = options.command !== undefined ? splitCommandLine(options.command) : [...argv];
  if (options.command !== undefined && argv.length > 0) throw new UsageError("give the command either with --command or after --, not both");
  if (command.length > 0 && options.url) throw new UsageError("give either a command (stdio) or --url (remote), not both");
  if (command.length === 0 && !options.url) {
    throw new UsageError("give the command after -- (pygent servers add <id> -- npx -y <package>) or --url for a remote server");
  }
  if (options.transport && !options.url) throw new UsageError("--transport is for remote servers; give --url too");
  if (options.header && !options.url) throw new UsageError("--header is for remote servers; give --url too");
  if (options.cwd && options.url) throw new UsageError("--cwd is for local servers, not --url");
  const body: Record<string, unknown> = { id };
  if (options.url) {
    body.url = options.url;
    body.transport = options.transport ?? "http";
    if (options.header) body.headers = options.header;
  } else {
    body.command = command;
    if (options.cwd) body.cwd = options.cwd;
  }
  if (options.env) body.env = options.env;
  if (options.name) body.name = options.name;
  if (options.category) body.category = options.category;
  if (options.description) body.description = options.description;
  if (!options.autoRestart) body.auto_restart = false;
  if (options.healthCheckInterval !== undefined) body.health_check_interval = options.healthCheckInterval;
  if (!options.start) body.start = false;
  return body;
}

function registerRemove(servers: Command, ctx: CliContext): void {
  withDaemonOptions(servers.command("remove").alias("rm").description("stop a server and unregister it").argument("<id>", "server id"))
    .addHelpText("after", examples("pygent servers remove fs") + "\nServers from the config file are removed by editing the file.\n")
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await clientFor(cmd, ctx, { timeoutMs: LIFECYCLE_TIMEOUT_MS }).delete(serverPath(id));
      ctx.io.out(`Removed server ${id}`);
    });
}

function registerLifecycle(servers: Command, ctx: CliContext, action: "start" | "stop" | "restart"): void {
  const what = { start: "start a stopped server", stop: "stop a server (it stays registered)", restart: "stop and start a server" }[action];
  withDaemonOptions(servers.command(action).description(what).argument("<id>", "server id"))
    .addHelpText("after", examples(`pygent servers ${action} fs`) + (action === "stop" ? "" : "\nExits 1 if the server ends up failed.\n"))
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const view = await clientFor(cmd, ctx, { timeoutMs: LIFECYCLE_TIMEOUT_MS }).post<ServerView>(`${serverPath(id)}/${action}`);
      ctx.io.out(`Server ${view.id}: ${describeState(view)}`);
      if (action !== "stop" && isBroken(view)) ctx.exitCode = EXIT_FAILURE;
    });
}

function describeState(view: ServerView): string {
  const parts: string[] = [view.state];
  if (view.pid !== null) parts.push(`pid ${view.pid}`);
  if (view.tools_count !== null) parts.push(`${view.tools_count} tools`);
  return view.reason ? `${parts.join(", ")} (${terminalSafe(view.reason)})` : parts.join(", ");
}

function isBroken(view: ServerView): boolean {
  return view.state === "failed" || view.state === "crash_loop";
}

function registerLogs(servers: Command, ctx: CliContext): void {
  const logs = servers
    .command("logs")
    .description("show a server's recent stderr/stdout lines and the daemon's notes about it")
    .argument("<id>", "server id")
    .option("-n, --limit <n>", "how many recent lines", parsePositiveInt, 200)
    .option("-f, --follow", "keep printing new lines (polls every second; Ctrl-C to stop)");
  withDaemonOptions(logs)
    .addHelpText("after", examples("pygent servers logs fs", "pygent servers logs fs --limit 50 --follow"))
    .action(async (id: string, options: { limit: number; follow?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const first = await fetchLogs(client, id, options.limit);
      let { cursor } = linesAfter(first, START_CURSOR);
      for (const line of first) ctx.io.out(formatLogLine(line));
      while (options.follow) {
        await sleep(FOLLOW_INTERVAL_MS);
        const next = linesAfter(await fetchLogs(client, id, FOLLOW_POLL_LIMIT), cursor);
        cursor = next.cursor;
        for (const line of next.lines) ctx.io.out(formatLogLine(line));
      }
    });
}

async function fetchLogs(client: ApiClient, id: string, limit: number): Promise<LogLine[]> {
  const body = await client.get<{ lines: LogLine[] }>(`${serverPath(id)}/logs`, { limit });
  return body.lines;
}

export function formatLogLine(line: LogLine): string {
  return `${new Date(line.at).toISOString()} ${line.stream.padEnd(6)} ${terminalSafe(line.line)}`;
}

function registerTools(servers: Command, ctx: CliContext): void {
  withDaemonOptions(
    servers.command("tools").description("list the tools a running server offers").argument("<id>", "server id").option("--json", "print the tools as JSON"),
  )
    .addHelpText("after", examples("pygent servers tools fs", "pygent servers tools fs --json | jq '.[].name'"))
    .action(async (id: string, options: { json?: boolean }, cmd: Command) => {
      const snapshot = await clientFor(cmd, ctx).get<CapabilitySnapshot>(`${serverPath(id)}/capabilities`);
      if (options.json) return printJson(ctx.io, snapshot.tools);
      const { io } = ctx;
      const who = [snapshot.server_name, snapshot.server_version].filter(Boolean).join(" ");
      const protocol = snapshot.protocol_version ? ` (protocol ${snapshot.protocol_version})` : "";
      io.out(`${id}${who ? `: ${who}` : ""}${protocol}: ${snapshot.tools.length} tools, ${snapshot.resources.length} resources, ${snapshot.prompts.length} prompts`);
      if (snapshot.tools.length === 0) return;
      io.out("");
      io.out(
        formatTable(snapshot.tools, [
          { header: "tool", value: (tool) => tool.name, max: 48 },
          { header: "description", value: (tool) => firstLine(tool.description ?? tool.title ?? ""), max: 100 },
        ]),
      );
    });
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/, 1)[0] ?? "";
}

function registerCall(servers: Command, ctx: CliContext): void {
  const call = servers
    .command("call")
    .description("call one of a server's tools and print what it returns")
    .argument("<id>", "server id")
    .argument("<tool>", "tool name (see `pygent servers tools <id>`)")
    .option("--args <json>", "the arguments as one JSON object", parseJsonObject)
    .option("-a, --arg <name=text|name:=json>", "one argument: name=text is a string, name:=json is parsed (repeatable; wins over --args)", collectToolArg)
    .option("--json", "print the whole result as JSON");
  withDaemonOptions(call)
    .addHelpText(
      "after",
      examples(
        "pygent servers call fs list_directory --arg path=/tmp",
        `pygent servers call everything add --args '{"a":2,"b":3}'`,
        "pygent servers call everything add -a a:=2 -a b:=3",
      ) + "\nExits 1 when the tool reports an error.\n",
    )
    .action(async (id: string, tool: string, options: { args?: Record<string, unknown>; arg?: Record<string, unknown>; json?: boolean }, cmd: Command) => {
      const args = { ...options.args, ...options.arg };
      const result = await clientFor(cmd, ctx, { timeoutMs: TOOL_CALL_TIMEOUT_MS }).post<ToolCallResult>(
        `${serverPath(id)}/tools/${encodeURIComponent(tool)}/call`,
        { arguments: args },
      );
      if (result.is_error) ctx.exitCode = EXIT_FAILURE;
      if (options.json) return printJson(ctx.io, result);
      printToolResult(ctx.io, result);
      if (result.is_error) ctx.io.err(`error: tool ${tool} on ${id} reported an error`);
    });
}

/** Text content as text, everything else (images, resources, structured content) as JSON. */
export function printToolResult(io: CliIo, result: ToolCallResult): void {
  for (const item of result.content) {
    if (typeof item === "object" && item !== null && (item as { type?: unknown }).type === "text") {
      io.out(terminalSafe(String((item as { text?: unknown }).text ?? "")));
    } else {
      printJson(io, item);
    }
  }
  if (result.content.length === 0 && result.structured_content !== undefined) printJson(io, result.structured_content);
}

interface ImportOptions {
  output: string;
  merge?: boolean;
  dryRun?: boolean;
}

function registerImport(servers: Command, ctx: CliContext): void {
  servers
    .command("import")
    .description("add the servers from a Claude Desktop, Cursor or VS Code config to the config file (runs nothing)")
    .argument("<file>", "claude_desktop_config.json, .cursor/mcp.json, .vscode/mcp.json or settings.json")
    .option("-o, --output <file>", "the config file to write", DEFAULT_CONFIG_FILE)
    .option("--merge", "replace servers whose id is already in the output file")
    .option("--dry-run", "print the resulting file instead of writing it")
    .addHelpText(
      "after",
      examples(
        `pygent servers import ~/.config/Claude/claude_desktop_config.json`,
        "pygent servers import .vscode/mcp.json --output mcp_server_configs.json --dry-run",
        "pygent servers import ~/.cursor/mcp.json --merge",
      ) + "\nIds already in the output file are refused unless --merge is given. A running daemon picks the file up by itself.\n",
    )
    .action(async (file: string, options: ImportOptions) => {
      const output = resolve(options.output);
      const { importConfigFile } = await import("../config-import-file.js");
      const result = await importConfigFile(resolve(file), { output, merge: options.merge === true, dryRun: options.dryRun === true });
      const { io } = ctx;
      for (const warning of result.warnings) io.err(`warning: ${warning}`);
      const summary = [
        result.added.length > 0 ? `added ${result.added.join(", ")}` : "",
        result.replaced.length > 0 ? `replaced ${result.replaced.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; ");
      if (options.dryRun) {
        io.write(result.text);
        io.err(`dry run: ${output} not written (would have ${summary})`);
        return;
      }
      io.out(`Wrote ${output} (${result.existed ? "" : "new file, "}${result.config.servers.length} servers): ${summary}`);
    });
}
