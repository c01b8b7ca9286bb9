/**
 * TEMPORARY scaffold: an in-memory McpManager for the API tests until the real one (src/mcp) is
 * ready. It keeps the manager's contract (error codes, validation through the config schema,
 * events in the real store) but runs no processes. Replace with the real manager, then delete.
 */
import type { CapabilitySnapshot } from "../../bus/events.js";
import type { Clock } from "../../core/clock.js";
import { AppError } from "../../core/errors.js";
import type { ServerConfig } from "../../config/schema.js";
import { parseServer } from "../../config/validate.js";
import type {
  LogLine,
  McpManager,
  RegisterOptions,
  ServerSource,
  ServerView,
  ToolCallResult,
} from "../../mcp/manager-types.js";
import type { ServerEventRecord, ServerEventsRepository } from "../../store/server-events-repository.js";

interface Entry {
  config: ServerConfig;
  source: ServerSource;
  view: Omit<ServerView, "config" | "id" | "name" | "transport" | "category" | "description" | "source" | "enabled">;
  snapshot: CapabilitySnapshot | null;
  logs: LogLine[];
}

export class FakeManager implements McpManager {
  private readonly servers = new Map<string, Entry>();

  constructor(
    private readonly events_: ServerEventsRepository,
    private readonly clock: Clock,
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  list(): ServerView[] {
    return [...this.servers.keys()].sort().map((id) => this.get(id));
  }

  get(id: string): ServerView {
    const entry = this.entry(id);
    const { config } = entry;
    return {
      id,
      name: config.name,
      transport: config.transport,
      category: config.category ?? null,
      description: config.description ?? null,
      source: entry.source,
      enabled: config.enabled,
      config,
      ...entry.view,
    };
  }

  async registerServer(id: string, config: unknown, options: RegisterOptions = {}): Promise<ServerView> {
    if (this.servers.has(id)) throw new AppError("SERVER_EXISTS", `A server with id "${id}" already exists.`);
    this.add(parseServer(config), "api");
    if (options.start !== false) await this.startServer(id);
    return this.get(id);
  }

  async updateServer(id: string, patch: Record<string, unknown>): Promise<ServerView> {
    const entry = this.entry(id);
    if (entry.source === "config") throw new AppError("SERVER_CONFIG_MANAGED");
    entry.config = parseServer({ ...entry.config, ...patch, id });
    return this.get(id);
  }

  async removeServer(id: string): Promise<void> {
    this.entry(id);
    this.servers.delete(id);
  }

  async applyConfig(servers: ServerConfig[]) {
    const added: string[] = [];
    for (const config of servers) {
      this.add(config, "config");
      added.push(config.id);
    }
    return { added, removed: [], changed: [] };
  }

  async startServer(id: string): Promise<ServerView> {
    const entry = this.entry(id);
    const now = this.clock.now();
    entry.view = { ...entry.view, state: "running", reason: null, pid: 4242, started_at: now, tools_count: 1 };
    entry.snapshot = {
      server_name: "fake",
      server_version: "1.0.0",
      protocol_version: "2025-06-18",
      capabilities: { tools: {} },
      instructions: null,
      tools: [{ name: "echo", description: "Echoes its arguments", input_schema: { type: "object" } }],
      resources: [],
      prompts: [],
      timings: { spawn_ms: 1, initialize_ms: 2, list_ms: 3 },
      captured_at: now,
    };
    entry.logs.push({ stream: "daemon", line: "started", at: now });
    await this.record(id, "started");
    return this.get(id);
  }

  async stopServer(id: string): Promise<ServerView> {
    const entry = this.entry(id);
    entry.view = { ...entry.view, state: "stopped", pid: null, started_at: null };
    entry.logs.push({ stream: "daemon", line: "stopped", at: this.clock.now() });
    await this.record(id, "stopped");
    return this.get(id);
  }

  async restartServer(id: string): Promise<ServerView> {
    await this.stopServer(id);
    const view = await this.startServer(id);
    this.entry(id).view.restarts += 1;
    return { ...view, restarts: view.restarts + 1 };
  }

  capabilities(id: string): CapabilitySnapshot | null {
    return this.entry(id).snapshot;
  }

  logs(id: string, limit = 200): LogLine[] {
    return this.entry(id).logs.slice(-limit);
  }

  async events(id: string, limit = 100): Promise<ServerEventRecord[]> {
    this.entry(id);
    return this.events_.listForServer(id, limit);
  }

  async callTool(id: string, name: string, args: Record<string, unknown>): Promise<ToolCallResult> {
    const entry = this.entry(id);
    if (entry.view.state !== "running") throw new AppError("SERVER_NOT_RUNNING");
    // A tool that fails the way a bug would: a plain Error whose text must never reach a client.
    if (name === "explode") throw new Error("secret internal detail at /home/x/.pygent/token");
    if (name !== "echo") throw new AppError("TOOL_NOT_FOUND", `Server "${id}" has no tool "${name}".`);
    return { content: [{ type: "text", text: JSON.stringify(args) }], is_error: false, duration_ms: 1 };
  }

  async ping(id: string): Promise<number> {
    this.entry(id);
    return 1;
  }

  private add(config: ServerConfig, source: ServerSource): void {
    this.servers.set(config.id, {
      config,
      source,
      view: { state: "stopped", reason: null, pid: null, restarts: 0, started_at: null, next_restart_at: null, tools_count: null },
      snapshot: null,
      logs: [],
    });
  }

  private entry(id: string): Entry {
    const entry = this.servers.get(id);
    if (!entry) throw new AppError("SERVER_NOT_FOUND", `No MCP server has the id "${id}".`);
    return entry;
  }

  private async record(id: string, kind: ServerEventRecord["kind"]): Promise<void> {
    await this.events_.append({ server_id: id, kind, detail: null, exit_code: null, signal: null, at: this.clock.now() });
  }
}
