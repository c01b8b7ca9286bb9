/**
 * The gateway's rug-pull quarantine from the command line: `pygent gateway approvals` lists the
 * tools held until an admin approves their definition, `pygent gateway approve <server> [tool]`
 * shows what changed and approves the definition shown (by its hash, so a definition changed
 * again meanwhile is refused, not approved unseen).
 */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { ApprovalResult, HeldReason, PendingApproval } from "../../gateway/index.js";
import { clientFor, EXIT_FAILURE, examples, printJson, UsageError, withDaemonOptions, type CliContext, type CliIo } from "../cli-context.js";
import { formatInstant, formatTable } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

interface ApprovalsList {
  enabled: boolean;
  pending: PendingApproval[];
}

function reasonText(reason: HeldReason): string {
  switch (reason.kind) {
    case "changed":
      return `changed (${reason.fields.join(", ")})`;
    case "added":
      return "new tool";
    case "suspicious":
      return `suspicious: ${[...new Set(reason.flags.map((flag) => flag.flag))].join(", ")}`;
  }
}

/** What a person reads before approving: why it is held, and the definition's changes (or the whole of a new one). */
function printPending(io: CliIo, entry: PendingApproval): void {
  const safe = (text: string) => terminalSafe(text);
  io.out(io.paint(`${safe(entry.gateway_name ?? entry.tool)}  (server ${safe(entry.server_id)}, tool ${safe(entry.tool)})`, "bold"));
  for (const reason of entry.reasons) {
    if (reason.kind !== "suspicious") io.out(`  held: ${reasonText(reason)}`);
    else for (const flag of reason.flags) io.out(`  held: suspicious ${flag.flag} in ${safe(flag.field)}: ${safe(flag.detail)}`);
  }
  if (entry.approved) io.out(`  approved before: ${formatInstant(entry.approved.approved_at)} by ${safe(entry.approved.approved_by)}`);
  if (entry.diff) {
    if (entry.diff.description) {
      io.out("  description:");
      for (const line of entry.diff.description) {
        const text = `    ${line.op === "=" ? " " : line.op} ${safe(line.text)}`;
        io.out(line.op === "-" ? io.paint(text, "red") : line.op === "+" ? io.paint(text, "green") : text);
      }
    }
    for (const change of entry.diff.changes) {
      const values = change.change === "added" ? `+ ${change.after}` : change.change === "removed" ? `- ${change.before}` : `${change.before} → ${change.after}`;
      io.out(`  ${safe(change.path)}: ${safe(values)}`);
    }
  } else {
    io.out("  description:");
    for (const line of (entry.current.description ?? "").split("\n")) io.out(`      ${safe(line)}`);
    io.out(`  input_schema: ${safe(JSON.stringify(entry.current.input_schema))}`);
  }
  io.out(`  hash: ${entry.hash}`);
}

async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export function registerGatewayApprovalCommands(gateway: Command, ctx: CliContext): void {
  const approvals = gateway
    .command("approvals")
    .description("tools withheld from gateway clients until an admin approves their changed or suspicious definition")
    .option("--json", "print JSON (with the approved and current definitions and their diff)");
  withDaemonOptions(approvals)
    .addHelpText("after", examples("pygent gateway approvals", "pygent gateway approvals --json"))
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const list = await clientFor(cmd, ctx).get<ApprovalsList>("/api/v1/gateway/approvals");
      if (options.json) return printJson(ctx.io, list);
      const { io } = ctx;
      if (!list.enabled) io.out("gateway.approve_changes is off: no tool is held.");
      else if (list.pending.length === 0) io.out("No tool is awaiting approval.");
      else {
        io.out(
          formatTable(list.pending, [
            { header: "server", value: (entry) => entry.server_id },
            { header: "tool", value: (entry) => entry.tool },
            { header: "reasons", value: (entry) => entry.reasons.map(reasonText).join("; "), max: 80 },
          ]),
        );
        io.out("Review and approve one with: pygent gateway approve <server> <tool>");
      }
    });

  const approve = gateway
    .command("approve")
    .description("show what changed in a held tool's definition and approve it, so the gateway serves it again (admin)")
    .argument("<server_id>", "the server")
    .argument("[tool]", "the tool, as the server names it; every held tool of the server when left out")
    .option("-y, --yes", "approve without asking")
    .option("--json", "print the approvals as JSON");
  withDaemonOptions(approve)
    .addHelpText("after", examples("pygent gateway approve filesystem read_file", "pygent gateway approve filesystem --yes"))
    .action(async (serverId: string, tool: string | undefined, options: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const { io } = ctx;
      const list = await client.get<ApprovalsList>("/api/v1/gateway/approvals");
      const held = list.pending.filter((entry) => entry.server_id === serverId && (tool === undefined || entry.tool === tool));
      if (held.length === 0) {
        const what = tool === undefined ? `server "${serverId}" has no tool` : `tool "${tool}" of server "${serverId}" is not`;
        io.err(`${terminalSafe(what)} awaiting approval (see pygent gateway approvals).`);
        ctx.exitCode = EXIT_FAILURE;
        return;
      }
      for (const entry of held) printPending(io, entry);
      if (!options.yes) {
        if (process.stdin.isTTY !== true) throw new UsageError("not approved: pass --yes to approve without a question when stdin is not a terminal");
        const count = held.length === 1 ? "this definition" : `these ${held.length} definitions`;
        if (!(await confirmed(`Approve ${count}? [y/N] `))) {
          io.err("Not approved.");
          ctx.exitCode = EXIT_FAILURE;
          return;
        }
      }
      const results: ApprovalResult[] = [];
      for (const entry of held) {
        const path = `/api/v1/gateway/approvals/${encodeURIComponent(entry.server_id)}/${encodeURIComponent(entry.tool)}`;
        results.push(await client.post<ApprovalResult>(path, { hash: entry.hash }));
      }
      if (options.json) return printJson(io, results);
      for (const result of results) io.out(`approved: ${terminalSafe(result.server_id)} ${terminalSafe(result.tool)} (hash ${result.hash.slice(0, 12)}) by ${terminalSafe(result.approved_by)}`);
    });
}
