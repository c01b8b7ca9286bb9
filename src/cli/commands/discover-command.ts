/**
 * `pygent discover ...`: the discovery catalog over /api/v1/mcp/discovery (search, list,
 * categories, show, refresh). Each subcommand makes one call and prints a table, or JSON with --json.
 */
import { Option, type Command } from "commander";
import { clientFor, EXIT_FAILURE, examples, printJson, withDaemonOptions, type CliContext, type CliIo } from "../cli-context.js";
import { parsePositiveInt } from "../option-parsers.js";
import { formatTable } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

/** A catalog server as the API shows it (src/api/routes/discovery.ts). */
export interface DiscoveredServer {
  id: string;
  name: string;
  title: string | null;
  description: string;
  version: string;
  category: string;
  tags: string[];
  featured: boolean;
  transports: string[];
  registry_types: string[];
  website_url: string | null;
  repository_url: string | null;
  install_command: string[];
  inputs: Array<{ name: string; kind: string; description: string | null; required: boolean; secret: boolean }>;
  runtime_flags: string[];
  refused_runtime_flags: string[];
  argv_secrets: string[];
  installed: boolean;
  usage: { installs: number; tool_calls: number };
  score?: number;
}

const DISCOVERY = "/api/v1/mcp/discovery";

/** The answer of POST /api/v1/mcp/discovery/refresh. */
interface RefreshReport {
  sources: Array<{ id: string; status: "ok" | "cached" | "failed"; entries: number; error?: string }>;
  total: number;
}

export function registerDiscoverCommand(program: Command, ctx: CliContext): void {
  const discover = program
    .command("discover")
    .description("find MCP servers to install: search, list, categories, show")
    .addHelpText("after", examples("pygent discover search github", "pygent discover list --category development", "pygent discover show memory"));
  registerSearch(discover, ctx);
  registerList(discover, ctx);
  registerCategories(discover, ctx);
  registerShow(discover, ctx);
  registerRefresh(discover, ctx);
}

function registerSearch(discover: Command, ctx: CliContext): void {
  withDaemonOptions(
    discover
      .command("search")
      .description("search names, titles, descriptions and tags, best match first")
      .argument("<words...>", "what to look for")
      .option("-n, --limit <n>", "how many results", parsePositiveInt, 20)
      .option("--json", "print JSON"),
  )
    .addHelpText("after", examples("pygent discover search github", "pygent discover search web browser --limit 5"))
    .action(async (words: string[], options: { limit: number; json?: boolean }, cmd: Command) => {
      const q = words.join(" ");
      const body = await clientFor(cmd, ctx).get<{ query: string; servers: DiscoveredServer[] }>(`${DISCOVERY}/search`, { q, limit: options.limit });
      if (options.json) return printJson(ctx.io, body);
      if (body.servers.length === 0) {
        ctx.io.out(`Nothing matches "${q}". Browse with \`pygent discover categories\`.`);
        return;
      }
      printServers(ctx.io, body.servers);
    });
}

interface ListOptions {
  category?: string;
  tag?: string;
  featured?: boolean;
  transport?: string;
  registryType?: string;
  limit?: number;
  offset?: number;
  json?: boolean;
}

function registerList(discover: Command, ctx: CliContext): void {
  withDaemonOptions(
    discover
      .command("list")
      .alias("ls")
      .description("list the catalog, filtered")
      .option("--category <name>", "only this category (see `pygent discover categories`)")
      .option("--tag <tag>", "only servers with this tag")
      .option("--featured", "only featured servers")
      .addOption(new Option("--transport <transport>", "reachable over this transport").choices(["stdio", "sse", "http"]))
      .option("--registry-type <type>", "npm, pypi, oci or remote")
      .option("-n, --limit <n>", "page size", parsePositiveInt)
      .option("--offset <n>", "how many to skip", parseOffset)
      .option("--json", "print JSON"),
  )
    .addHelpText("after", examples("pygent discover list", "pygent discover list --category development", "pygent discover list --registry-type remote"))
    .action(async (options: ListOptions, cmd: Command) => {
      const body = await clientFor(cmd, ctx).get<{ servers: DiscoveredServer[]; total: number; offset: number; limit: number }>(`${DISCOVERY}/servers`, {
        category: options.category,
        tag: options.tag,
        featured: options.featured ? "true" : undefined,
        transport: options.transport,
        registry_type: options.registryType,
        limit: options.limit,
        offset: options.offset,
      });
      if (options.json) return printJson(ctx.io, body);
      if (body.servers.length === 0) {
        ctx.io.out("No servers match.");
        return;
      }
      printServers(ctx.io, body.servers);
      const last = body.offset + body.servers.length;
      if (body.total > body.servers.length) ctx.io.out(`\n${body.offset + 1}-${last} of ${body.total}; more with --offset ${last}`);
    });
}

function registerCategories(discover: Command, ctx: CliContext): void {
  withDaemonOptions(discover.command("categories").description("the catalog's categories and their sizes").option("--json", "print JSON"))
    .addHelpText("after", examples("pygent discover categories"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const body = await clientFor(cmd, ctx).get<{ categories: Array<{ name: string; count: number }> }>(`${DISCOVERY}/categories`);
      if (options.json) return printJson(ctx.io, body);
      ctx.io.out(
        formatTable(body.categories, [
          { header: "category", value: (c) => c.name },
          { header: "servers", value: (c) => c.count, align: "right" },
        ]),
      );
    });
}

function registerRefresh(discover: Command, ctx: CliContext): void {
  withDaemonOptions(discover.command("refresh").description("list every source again now (registries included), keeping usage counts").option("--json", "print JSON"))
    .addHelpText("after", examples("pygent discover refresh") + "\nNeeds an admin token when tokens exist. Exits 1 when a source failed.\n")
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const report = await clientFor(cmd, ctx).post<RefreshReport>(`${DISCOVERY}/refresh`);
      if (report.sources.some((source) => source.status === "failed")) ctx.exitCode = EXIT_FAILURE;
      if (options.json) return printJson(ctx.io, report);
      ctx.io.out(
        formatTable(report.sources, [
          { header: "source", value: (s) => s.id },
          { header: "status", value: (s) => s.status },
          { header: "entries", value: (s) => s.entries, align: "right" },
          { header: "error", value: (s) => s.error ?? null, max: 80 },
        ]),
      );
      ctx.io.out(`\n${report.total} servers in the catalog`);
    });
}

function registerShow(discover: Command, ctx: CliContext): void {
  withDaemonOptions(discover.command("show").description("one server: what it is, how it installs, what it asks for").argument("<id>", "catalog id").option("--json", "print JSON"))
    .addHelpText("after", examples("pygent discover show github"))
    .action(async (id: string, options: { json?: boolean }, cmd: Command) => {
      const server = await clientFor(cmd, ctx).get<DiscoveredServer>(`${DISCOVERY}/servers/${encodeURIComponent(id)}`);
      if (options.json) return printJson(ctx.io, server);
      const { io } = ctx;
      // Every field may come from a remote registry: nothing in it reaches the terminal raw.
      const out = (line: string): void => io.out(terminalSafe(line));
      io.out(`${io.paint(terminalSafe(server.id), "bold")}  ${terminalSafe(`${server.title ?? server.name} ${server.version}`)}${server.installed ? "  (installed)" : ""}`);
      out(server.description);
      io.out("");
      out(`category:   ${server.category}${server.tags.length > 0 ? ` (${server.tags.join(", ")})` : ""}`);
      out(`transports: ${server.transports.join(", ")}`);
      if (server.website_url ?? server.repository_url) out(`website:    ${server.website_url ?? server.repository_url}`);
      out(`installs:   ${server.install_command.length > 0 ? server.install_command.join(" ") : "nothing to install (remote or already present)"}`);
      if (server.inputs.length > 0) {
        io.out("");
        io.out(
          formatTable(server.inputs, [
            { header: "input", value: (i) => i.name },
            { header: "kind", value: (i) => (i.secret ? `${i.kind}, secret` : i.kind) },
            { header: "required", value: (i) => (i.required ? "yes" : "no") },
            { header: "description", value: (i) => i.description, max: 70 },
          ]),
        );
      }
      if (server.runtime_flags.length > 0) io.out(`docker run flags: ${server.runtime_flags.join(" ")}`);
      for (const refusal of server.refused_runtime_flags) io.out(io.paint(`refused: ${refusal} (allowed only with discovery.oci.allow_unsafe_flags)`, "red"));
      if (server.argv_secrets.length > 0) {
        io.out(`note: ${server.argv_secrets.join(", ")} ${server.argv_secrets.length > 1 ? "are" : "is"} passed on the server's command line; the config keeps a \${reference}, but while the server runs anyone on this machine can read the value with ps`);
      }
      io.out("");
      out(`Install with: pygent install ${server.id}${installHint(server)}`);
    });
}

/** The flags a required input needs on `pygent install`, as a hint. */
function installHint(server: DiscoveredServer): string {
  return server.inputs
    .filter((input) => input.required)
    .map((input) => (input.secret ? ` --secret ${input.name}` : input.kind === "argument" ? ` --arg ${input.name}=...` : ` --env ${input.name}=...`))
    .join("");
}

export function printServers(io: CliIo, servers: readonly DiscoveredServer[]): void {
  const scored = servers.some((server) => server.score !== undefined);
  io.out(
    formatTable(servers, [
      { header: "id", value: (s) => s.id, max: 32 },
      ...(scored ? [{ header: "score", value: (s: DiscoveredServer) => s.score?.toFixed(2), align: "right" as const }] : []),
      { header: "category", value: (s) => s.category, max: 20 },
      { header: "transports", value: (s) => s.transports.join(",") },
      { header: "installed", value: (s) => (s.installed ? "yes" : "") },
      { header: "description", value: (s) => s.description, max: 70 },
    ]),
  );
}

function parseOffset(value: string): number {
  return value === "0" ? 0 : parsePositiveInt(value);
}
