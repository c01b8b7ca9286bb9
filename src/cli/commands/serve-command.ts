/**
 * `pygent serve`: runs the daemon in the foreground. The daemon module is imported only here,
 * on demand, so client commands do not pay for loading Fastify, SQLite and the MCP SDK.
 * The first SIGINT/SIGTERM shuts down cleanly (every child process gone) and exits 0; a second
 * one means the person has stopped waiting, so it exits 1 at once.
 */
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_CONFIG_FILE } from "../../config/file-name.js";
import type { Daemon, DaemonOptions, DaemonStarted } from "../../daemon/daemon.js";
import { examples, type CliContext } from "../cli-context.js";
import { parsePort } from "../option-parsers.js";

/** Where a daemon's config and data live and how much it logs: `pygent serve`'s options, taken by `pygent mcp --embedded` too. */
export interface DaemonFileOptions {
  config: string;
  dataDir: string;
  logLevel: string;
}

interface ServeOptions extends DaemonFileOptions {
  allowedHost: string[];
  port: number;
  host: string;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function withDaemonFileOptions(command: Command): Command {
  return command
    .option("-c, --config <file>", "server config file, watched for changes", DEFAULT_CONFIG_FILE)
    .option("--data-dir <dir>", "where the database and caches live", "./data")
    .addOption(new Option("--log-level <level>", "log level; logs go to stderr").choices(LOG_LEVELS).default("info"));
}

export function registerServeCommand(program: Command, ctx: CliContext): void {
  const serve = program
    .command("serve")
    .description("run the daemon: supervise the configured MCP servers and serve the REST API, /ws and /mcp")
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "address to listen on; keep 127.0.0.1 unless a proxy with TLS is in front", "127.0.0.1")
    .option(
      "--allowed-host <name>",
      "another name clients use to reach the daemon, e.g. its LAN address or DNS name (repeatable; Host headers are checked)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    );
  withDaemonFileOptions(serve)
    .addHelpText(
      "after",
      examples(
        "pygent serve",
        "pygent serve --port 9000 --config ./mcp_server_configs.json --data-dir /var/lib/pygent",
        "pygent serve --host 0.0.0.0 --allowed-host 192.168.1.5 --allowed-host pygent.lan   # after pygent token create",
        "PYGENT_DEBUG=1 pygent serve --log-level debug",
      ),
    )
    .action(async (options: ServeOptions) => {
      const configPath = resolve(options.config);
      const dataDir = resolve(options.dataDir);
      const { url } = await startDaemon(ctx, {
        dataDir,
        configPath,
        host: options.host,
        port: options.port,
        logLevel: options.logLevel,
        allowedHosts: options.allowedHost,
      });
      ctx.io.out(`PyGent Factory listening on ${url} (config ${configPath}, data ${dataDir})`);
    });
}

/**
 * Creates the daemon and starts it, handling signals from the first moment: a stop during
 * start-up waits for it to settle, then `beforeStop` runs. Resolves once it listens.
 */
export async function startDaemon(ctx: CliContext, options: DaemonOptions, beforeStop: () => void = () => {}): Promise<DaemonStarted & { daemon: Daemon }> {
  const { createDaemon } = await import("../../daemon/daemon.js");
  const daemon = await createDaemon(options);
  const started = daemon.start();
  installShutdown(
    ctx,
    async () => {
      await started.catch(() => {});
      beforeStop();
      await daemon.stop();
    },
    () => daemon.kill(),
  );
  return { daemon, ...(await started) };
}

/**
 * Under `npm start`, a Ctrl-C reaches the daemon twice at once: from the terminal (the whole
 * foreground group) and forwarded by npm. A repeat of the same signal this soon is that echo,
 * not a person pressing Ctrl-C again.
 */
const SIGNAL_ECHO_MS = 1000;

function installShutdown(ctx: CliContext, stop: () => Promise<void>, kill: () => void): void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first) {
      if (signal === first.signal && performance.now() - first.at < SIGNAL_ECHO_MS) return;
      ctx.io.err(`${signal} again: killing every server process and exiting without waiting`);
      kill();
      process.exit(1);
    }
    first = { signal, at: performance.now() };
    ctx.io.err(`${signal} received: shutting down (press Ctrl-C again to force)`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        ctx.io.err(`error: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
