/**
 * `pygent health`: the daemon's GET /api/v1/health, as the seed's `curl .../api/v1/health | jq`.
 * Exits 1 when the overall status is critical or offline, so it can gate scripts and probes. A
 * refused change of the config file is shown with its problems (the daemon runs on the last good one).
 */
import type { Command } from "commander";
import { EXIT_FAILURE, clientFor, examples, printJson, withDaemonOptions, type CliContext } from "../cli-context.js";
import { formatTable, statusColour, statusStyle } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

export interface HealthReport {
  status: string;
  version?: string;
  uptime_s?: number;
  components?: Record<string, { status: string; details?: unknown }>;
  config?: { file: string; result: "ok" | "rejected"; at: number; problems: string[] };
}

const FAILING = new Set(["critical", "offline"]);

export function registerHealthCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command("health")
    .description("show the daemon's overall health and each component's")
    .option("--json", "print the daemon's answer as JSON");
  withDaemonOptions(command)
    .addHelpText(
      "after",
      examples("pygent health", "pygent health --json | jq .components.mcp", "PYGENT_URL=http://10.0.0.5:8000 pygent health") +
        "\nExits 1 when the status is critical or offline, or the daemon cannot be reached.\n",
    )
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, ctx);
      const report = await client.get<HealthReport>("/api/v1/health");
      if (FAILING.has(report.status)) ctx.exitCode = EXIT_FAILURE;
      if (options.json) {
        printJson(ctx.io, report);
        return;
      }
      const { io } = ctx;
      const colour = statusColour(report.status);
      const status = colour ? io.paint(report.status, colour) : report.status;
      const version = report.version ? ` ${report.version}` : "";
      const uptime = typeof report.uptime_s === "number" ? `, up ${formatDuration(report.uptime_s)}` : "";
      io.out(`PyGent Factory${version} at ${client.baseUrl}: ${status}${uptime}`);
      const { config } = report;
      if (config?.result === "rejected") {
        io.out(
          `config: ${io.paint("rejected", "red")} at ${new Date(config.at).toISOString()}: ${terminalSafe(config.file)} was refused; the last good config is kept`,
        );
        for (const problem of config.problems) io.out(`  ${terminalSafe(problem)}`);
      } else if (config) io.out(`config: ok (${terminalSafe(config.file)})`);
      const components = Object.entries(report.components ?? {}).map(([name, component]) => ({ name, ...component }));
      if (components.length === 0) return;
      io.out("");
      io.out(
        formatTable(components, [
          { header: "component", value: (c) => c.name },
          { header: "status", value: (c) => c.status, style: statusStyle(io.paint) },
          { header: "details", value: (c) => formatDetails(c.details), max: 120 },
        ]),
      );
    });
}

/**
 * `{"running":3,"by_state":{"running":3,"failed":0}}` as `running=3 by_state.running=3`: one
 * line per component. Zero counts inside nested objects are left out; they are most of a
 * by-state breakdown and say nothing.
 */
export function formatDetails(details: unknown): string {
  if (details === undefined || details === null) return "";
  if (typeof details !== "object" || Array.isArray(details)) return JSON.stringify(details);
  return flatten(details as Record<string, unknown>, "").join(" ");
}

function flatten(object: Record<string, unknown>, prefix: string): string[] {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    const name = prefix + key;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      parts.push(...flatten(value as Record<string, unknown>, `${name}.`));
    } else if (prefix !== "" && value === 0) {
      continue;
    } else {
      parts.push(`${name}=${typeof value === "string" ? value : typeof value === "number" ? roundNumber(value) : JSON.stringify(value)}`);
    }
  }
  return parts;
}

function roundNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${s % 60}s`;
  return `${s}s`;
}
