/**
 * One-shot check of a server, for `pygent validate`: start it, initialize, list what it serves,
 * time each step, stop it. Uses the same connection code as the supervisor.
 */
import type { ServerConfig } from "../config/schema.js";
import { errorMessage } from "../core/errors.js";
import { openConnection } from "./connection.js";

export interface ProbeResult {
  id: string;
  name: string;
  transport: ServerConfig["transport"];
  ok: boolean;
  init_ms: number | null;
  list_ms: number | null;
  tools: number | null;
  resources: number | null;
  prompts: number | null;
  server_name: string | null;
  server_version: string | null;
  protocol_version: string | null;
  error: string | null;
}

export interface ProbeOptions {
  /** Overrides the server's startup_timeout. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export async function probeServer(config: ServerConfig, options: ProbeOptions = {}): Promise<ProbeResult> {
  const effective = options.timeoutMs !== undefined ? { ...config, startup_timeout: options.timeoutMs / 1000 } : config;
  const base = { id: config.id, name: config.name, transport: config.transport };
  try {
    const connection = await openConnection(effective, { environment: options.env ?? process.env });
    const { snapshot } = connection;
    await connection.close();
    return {
      ...base,
      ok: true,
      init_ms: snapshot.timings.spawn_ms + snapshot.timings.initialize_ms,
      list_ms: snapshot.timings.list_ms,
      tools: snapshot.tools.length,
      resources: snapshot.resources.length,
      prompts: snapshot.prompts.length,
      server_name: snapshot.server_name,
      server_version: snapshot.server_version,
      protocol_version: snapshot.protocol_version,
      error: null,
    };
  } catch (error) {
    return failedProbe(config, error);
  }
}

/** The result for a server that could not be probed, with the reason. */
export function failedProbe(config: ServerConfig, error: unknown): ProbeResult {
  return {
    id: config.id,
    name: config.name,
    transport: config.transport,
    ok: false,
    init_ms: null,
    list_ms: null,
    tools: null,
    resources: null,
    prompts: null,
    server_name: null,
    server_version: null,
    protocol_version: null,
    error: errorMessage(error),
  };
}
