/**
 * `pygent install <id>` and `pygent uninstall <id>`: installs from the discovery catalog over
 * /api/v1/mcp/discovery/install/{id}. The install request is answered when the install is done;
 * meanwhile the command polls the same path for progress and shows it as one line that updates
 * in place on a terminal (one line per step otherwise, so logs stay readable).
 */
import { InvalidArgumentError, type Command } from "commander";
import type { ServerView } from "../../mcp/index.js";
import type { ApiClient } from "../client.js";
import { EXIT_FAILURE, UsageError, clientFor, examples, printJson, withDaemonOptions, type CliContext, type CliIo } from "../cli-context.js";
import { collectKeyValue } from "../option-parsers.js";

/** npm installs may take minutes (the daemon's own limit is 180 s by default) plus the first start. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const UNINSTALL_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 500;
const POLL_TIMEOUT_MS = 5_000;
const LINE_WIDTH = 100;

const installPath = (id: string): string => `/api/v1/mcp/discovery/install/${encodeURIComponent(id)}`;

interface Progress {
  phase: string;
  message: string;
  percent?: number;
}

interface InstallStatus {
  state: "running" | "done" | "failed";
  percent: number | null;
  phase: string;
  message: string;
  progress: Progress[];
}

interface InstallResponse {
  server: ServerView;
  install: {
    kind: string;
    package: { identifier: string; version: string } | null;
    remote: { type: string; url: string } | null;
    install_dir: string | null;
    secrets: string[];
    started: boolean;
    capabilities: { tools: string[] } | null;
    duration_ms: number;
    progress: Progress[];
  };
}

interface InstallOptions {
  env?: Record<string, string>;
  secret?: string[];
  arg?: Record<string, string | string[]>;
  start: boolean;
  json?: boolean;
}

export function registerInstallCommands(program: Command, ctx: CliContext): void {
  const install = program
    .command("install")
    .description("install a server from the discovery catalog, register it and start it")
    .argument("<id>", "catalog id (see `pygent discover search`)")
    .option("-e, --env <KEY=VALUE>", "value of an environment variable the server declares (repeatable)", collectKeyValue)
    .option(
      "-s, --secret <NAME[=VALUE]>",
      "a secret, stored by the daemon outside the config; without =VALUE it is read from this shell's environment (repeatable)",
      collectSecret,
    )
    .option("--arg <NAME=VALUE>", "value of a package argument, e.g. allowed_directory=/srv (repeatable)", collectArgument)
    .option("--no-start", "install and register it, but do not start it")
    .option("--json", "print the daemon's answer as JSON");
  withDaemonOptions(install)
    .addHelpText(
      "after",
      examples(
        "pygent install memory",
        "pygent install github --secret GITHUB_PERSONAL_ACCESS_TOKEN      (value from your environment)",
        "pygent install filesystem --arg allowed_directory=/srv/shared",
        "pygent install cloudflare-docs",
      ) + "\nSee what a server asks for with `pygent discover show <id>`. Exits 1 when it installs but does not run.\n",
    )
    .action(async (id: string, options: InstallOptions, cmd: Command) => {
      const body = installBody(options, ctx.io.env);
      const client = clientFor(cmd, ctx, { timeoutMs: INSTALL_TIMEOUT_MS });
      const poller = clientFor(cmd, ctx, { timeoutMs: POLL_TIMEOUT_MS });
      const line = progressLine(ctx.io, options.json === true);
      const stopPolling = poll(poller, id, line.show);
      let result: InstallResponse;
      try {
        result = await client.post<InstallResponse>(installPath(id), body);
      } catch (error) {
        await stopPolling();
        line.clear();
        throw error;
      }
      await stopPolling();
      for (const step of result.install.progress) line.show(step);
      line.clear();
      if (options.json) return printJson(ctx.io, result);
      ctx.io.out(summary(id, result));
      if (result.install.started && result.server.state !== "running") ctx.exitCode = EXIT_FAILURE;
    });

  withDaemonOptions(program.command("uninstall").description("stop an installed server, unregister it, remove its files and secrets").argument("<id>", "server id"))
    .addHelpText("after", examples("pygent uninstall memory"))
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const result = await clientFor(cmd, ctx, { timeoutMs: UNINSTALL_TIMEOUT_MS }).delete<{
        unregistered: boolean;
        removed_dir: string | null;
        secrets_removed: number;
      }>(installPath(id));
      const parts = [result.unregistered ? "unregistered" : "was not registered"];
      if (result.removed_dir) parts.push(`removed ${result.removed_dir}`);
      if (result.secrets_removed > 0) parts.push(`forgot ${result.secrets_removed} secret(s)`);
      ctx.io.out(`Uninstalled ${id}: ${parts.join(", ")}`);
    });
}

/** The request body; `--secret NAME` takes the value from the environment so it stays out of shell history. */
export function installBody(options: InstallOptions, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const secrets: Record<string, string> = {};
  for (const spec of options.secret ?? []) {
    const at = spec.indexOf("=");
    if (at > 0) {
      secrets[spec.slice(0, at)] = spec.slice(at + 1);
      continue;
    }
    const value = env[spec];
    if (value === undefined || value === "") throw new UsageError(`--secret ${spec}: ${spec} is not set in this shell's environment; give --secret ${spec}=VALUE or export it`);
    secrets[spec] = value;
  }
  const body: Record<string, unknown> = {};
  if (options.env) body.env = options.env;
  if (Object.keys(secrets).length > 0) body.secrets = secrets;
  if (options.arg) body.arguments = options.arg;
  if (!options.start) body.start = false;
  return body;
}

function collectSecret(value: string, previous: string[] | undefined): string[] {
  const name = value.includes("=") ? value.slice(0, value.indexOf("=")) : value;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError(`expected NAME or NAME=VALUE, got "${name}"`);
  return [...(previous ?? []), value];
}

/** Repeatable `--arg name=value`; a name given twice collects a list (for repeated arguments). */
function collectArgument(value: string, previous: Record<string, string | string[]> | undefined): Record<string, string | string[]> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got "${value}"`);
  const name = value.slice(0, at);
  const given = value.slice(at + 1);
  const before = previous?.[name];
  const next = before === undefined ? given : [...(Array.isArray(before) ? before : [before]), given];
  return { ...previous, [name]: next };
}

/**
 * Polls the install's progress until stopped; resolves the returned function once polling ended.
 * Errors (404 before the install begins, a slow answer) are ignored: the POST's answer decides.
 */
function poll(client: ApiClient, id: string, show: (step: Progress) => void): () => Promise<void> {
  let stopped = false;
  let seen = 0;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_INTERVAL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) break;
      try {
        const status = await client.get<InstallStatus>(installPath(id));
        // The last finished install's status stays readable; only a running one is ours.
        if (stopped || status.state !== "running") continue;
        for (const step of status.progress.slice(seen)) show(step);
        seen = status.progress.length;
      } catch {
        // not started yet, or the daemon is busy: try again
      }
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}

/** One line rewritten in place on a terminal; on anything else, each new step on its own line. */
function progressLine(io: CliIo, quiet: boolean): { show: (step: Progress) => void; clear: () => void } {
  const live = io.isTTY === true;
  const printed = new Set<string>();
  let drawn = false;
  return {
    show(step) {
      if (quiet) return;
      const percent = step.percent !== undefined ? `${String(step.percent).padStart(3)}% ` : "     ";
      const text = `${percent}${step.phase}: ${step.message}`.replace(/\s+/g, " ");
      if (live) {
        io.write(`\r\u001b[2K${text.length > LINE_WIDTH ? `${text.slice(0, LINE_WIDTH - 1)}…` : text}`);
        drawn = true;
        return;
      }
      // The same step arrives from polling and again in the answer; print it once.
      const key = `${step.phase}\u0000${step.message}`;
      if (printed.has(key) || step.phase === "done") return;
      printed.add(key);
      io.out(text);
    },
    clear() {
      if (live && drawn) io.write("\r\u001b[2K");
      drawn = false;
    },
  };
}

function summary(id: string, result: InstallResponse): string {
  const { server, install } = result;
  const what = install.package ? `${install.kind} ${install.package.identifier}@${install.package.version}` : `${install.kind} ${install.remote?.type ?? ""}`.trim();
  const seconds = `${Math.round(install.duration_ms / 100) / 10} s`;
  const state = install.started
    ? `${server.state}${server.tools_count !== null ? `, ${server.tools_count} tools` : ""}${server.reason ? ` (${server.reason})` : ""}`
    : "installed, not started";
  const secrets = install.secrets.length > 0 ? `; secrets stored: ${install.secrets.join(", ")}` : "";
  return `Installed ${id}: ${state} — ${what} in ${seconds}${secrets}`;
}
