/**
 * `pygent audit`: the daemon's GET /api/v1/audit (admin), newest first, as a table or JSON. The
 * filters are passed through as given; the daemon validates them and names a bad one.
 */
import type { Command } from "commander";
import { clientFor, examples, printJson, withDaemonOptions, type CliContext } from "../cli-context.js";
import { formatInstant, formatTable } from "../table.js";
import type { AuditEntry } from "../../audit/index.js";

interface AuditOptions {
  url?: string;
  token?: string;
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  limit?: string;
  json?: boolean;
}

function outcome(entry: AuditEntry): string {
  const status = entry.status === null ? (entry.ok ? "ok" : "failed") : String(entry.status);
  return entry.error_code ? `${status} ${entry.error_code}` : status;
}

export function registerAuditCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command("audit")
    .description("who changed what, from where, and how it went (the daemon's audit log; admin token)")
    .option("--actor <name>", "token name or id, `local` or `anonymous`")
    .option("--action <prefix>", "action prefix, e.g. `token.` or `POST /api/v1/mcp/servers`")
    .option("--target <target>", "exact target, e.g. a server id")
    .option("--from <time>", "earliest time: ISO 8601 or epoch milliseconds")
    .option("--to <time>", "latest time: ISO 8601 or epoch milliseconds")
    .option("--limit <n>", "newest entries to show (1-1000, default 100)")
    .option("--json", "print JSON");
  withDaemonOptions(command)
    .addHelpText(
      "after",
      examples("pygent audit", "pygent audit --action token. --json", "pygent audit --actor ci --from 2026-01-01T00:00:00Z"),
    )
    .action(async (options: AuditOptions, cmd: Command) => {
      // --url and --token name the daemon, not a filter; clientFor reads them from the command.
      const { json, url: _url, token: _token, ...filters } = options;
      const { entries } = await clientFor(cmd, ctx).get<{ entries: AuditEntry[] }>("/api/v1/audit", filters);
      if (json) return printJson(ctx.io, { entries });
      if (entries.length === 0) {
        ctx.io.out("No audit entries match.");
        return;
      }
      ctx.io.out(
        formatTable(entries, [
          { header: "time", value: (e) => formatInstant(e.at) },
          { header: "actor", value: (e) => e.actor_name, max: 30 },
          { header: "from", value: (e) => e.ip },
          { header: "action", value: (e) => e.action, max: 60 },
          { header: "target", value: (e) => e.target, max: 40 },
          { header: "outcome", value: outcome },
        ]),
      );
    });
}
