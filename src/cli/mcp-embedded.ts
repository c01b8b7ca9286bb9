/**
 * `pygent mcp --embedded`: for a desktop client when no daemon runs. The daemon `pygent serve`
 * would run starts in this process, on 127.0.0.1 at a free port, and stdio is relayed to its /mcp
 * as `pygent mcp` relays to a running one, so the client sees the same names, quarantine,
 * profiles and built-in tools. Its logs go to stderr; stdout carries nothing but MCP. When stdin
 * closes, or at SIGTERM/SIGINT, the daemon stops and every server process with it.
 */
import type { Socket } from "node:net";
import type { CliContext } from "./cli-context.js";
import { startDaemon } from "./commands/serve-command.js";
import { relayStdioToDaemon, type RelayOptions } from "./mcp-relay.js";

export interface EmbeddedOptions {
  configPath: string;
  dataDir: string;
  logLevel: string;
  /** The gateway path to serve: /mcp or a profile's. */
  path: string;
  /** The relay's token (needed once auth is on in this data directory, as for `pygent mcp`) and warnings. */
  relay: Omit<RelayOptions, "url">;
}

/** Serves until stdin closes, then stops the daemon; resolves once every server process is gone. */
export async function serveEmbedded(options: EmbeddedOptions, ctx: CliContext): Promise<void> {
  const { dataDirOwner } = await import("../daemon/data-dir-lock.js");
  const owner = dataDirOwner(options.dataDir);
  if (owner !== undefined) {
    throw new Error(
      `a PyGent daemon (pid ${owner}) already runs on the data directory ${options.dataDir}: ` +
        "connect to it with `pygent mcp` (without --embedded), or give --embedded another --data-dir",
    );
  }
  // The relay's connections are this process's own: the daemon's stop would wait for them to
  // close, so once it stops they are dropped, and any the relay opens after (a retry) at once.
  const connections = new Set<Socket>();
  let stopping = false;
  const dropConnections = (): void => {
    stopping = true;
    for (const socket of connections) socket.destroy();
  };
  const { daemon, url, settled } = await startDaemon(ctx, { dataDir: options.dataDir, configPath: options.configPath, host: "127.0.0.1", port: 0, logLevel: options.logLevel }, dropConnections);
  daemon.app?.server.on("connection", (socket: Socket) => {
    if (stopping) return void socket.destroy();
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  try {
    // The client's first tools/list then sees every server that came up, not an empty list.
    await settled;
    await relayStdioToDaemon({ ...options.relay, url: new URL(`${url}${options.path}`) });
  } finally {
    dropConnections();
    await daemon.stop();
  }
}
