/**
 * PyGent's own management over MCP, so an agent can see and repair the factory it runs in: its
 * servers and their health, the discovery catalog and installs, restarts, firing alerts. Each
 * tool uses the same domain service as its REST route and needs the same role; a tool whose
 * service the daemon was built without is not offered.
 */
import { z } from "zod";
import type { AlertService } from "../alerts/index.js";
import type { RequestReply } from "../bus/index.js";
import { entryTransports, marketplaceOf, type Catalog as DiscoveryCatalog, type InstallService } from "../discovery/index.js";
import type { HealthMonitor } from "../health/index.js";
import type { McpManager, ServerView } from "../mcp/index.js";
import type { RagService } from "../rag/index.js";
import { defineBuiltin, jsonResult, type BuiltinTool } from "./builtin-tools.js";

/** The domain services the management tools use beyond the manager; each is optional. */
export interface GatewayServices {
  health?: HealthMonitor;
  discovery?: {
    catalog: DiscoveryCatalog;
    installs: InstallService;
    /** Settles once the catalog has loaded (starting the load if it has not begun). */
    loaded?: () => Promise<unknown>;
  };
  alerts?: AlertService;
  /** The Retrieval System, offered as rag__search and rag__ingest (rag-builtins.ts). */
  rag?: RagService;
  /** The bus's request/reply, over which `pygent__ask_agent` asks an agent (agent-builtins.ts). */
  requests?: Pick<RequestReply, "request">;
}

const ServerIdInput = z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").describe("The server's id");

/** A server as the tools show it: what it is and how it is doing, without its config (which may hold secrets). */
function summary(server: ServerView) {
  return {
    id: server.id,
    name: server.name,
    state: server.state,
    reason: server.reason,
    transport: server.transport,
    tools_count: server.tools_count,
    restarts: server.restarts,
    started_at: server.started_at,
  };
}

export function managementBuiltins(manager: McpManager, services: GatewayServices): BuiltinTool[] {
  const { health, discovery, alerts } = services;
  const healthOf = (id: string) => (health ? { health: health.current(id).status } : {});
  const tools: BuiltinTool[] = [
    defineBuiltin({
      name: "list_servers",
      description: "Lists the MCP servers PyGent runs: id, state and why, transport, how many tools, restarts, health.",
      input: z.object({}).strict(),
      role: "viewer",
      readOnly: true,
      run: async () => jsonResult({ servers: manager.list().map((server) => ({ ...summary(server), ...healthOf(server.id) })) }),
    }),
    defineBuiltin({
      name: "restart_server",
      description: "Restarts one MCP server PyGent runs (a new process or session) and returns its state.",
      input: z.object({ server_id: ServerIdInput }).strict(),
      role: "operator",
      readOnly: false,
      run: async ({ server_id }) => jsonResult({ server: summary(await manager.restartServer(server_id)) }),
    }),
  ];
  if (health) {
    tools.push(
      defineBuiltin({
        name: "server_health",
        description: "One server's health: status with reasons, response time, error rate, CPU and memory, when it was last checked.",
        input: z.object({ server_id: ServerIdInput }).strict(),
        role: "viewer",
        readOnly: true,
        run: async ({ server_id }) => jsonResult({ ...health.current(server_id) }),
      }),
    );
  }
  if (discovery) {
    const { catalog, installs, loaded } = discovery;
    tools.push(
      defineBuiltin({
        name: "search_catalog",
        description: "Searches the catalog of MCP servers that can be installed, best match first; install_server installs one by its id.",
        input: z
          .object({
            query: z.string().trim().min(1, "must not be empty").max(200).describe("What the server should do, or its name"),
            limit: z.number().int().min(1).max(50).default(10).describe("How many servers to return at most"),
          })
          .strict(),
        role: "viewer",
        readOnly: true,
        async run({ query, limit }) {
          await loaded?.();
          const registered = new Set(manager.list().map((server) => server.id));
          const servers = catalog.search(query, { limit }).map(({ entry, score }) => {
            const market = marketplaceOf(entry);
            return {
              id: market.id,
              name: entry.name,
              title: entry.title ?? null,
              description: entry.description,
              category: market.category,
              transports: entryTransports(entry),
              installed: registered.has(market.id),
              score: Math.round(score * 1000) / 1000,
            };
          });
          return jsonResult({ query, servers });
        },
      }),
      defineBuiltin({
        name: "install_server",
        description:
          "Installs a server from the catalog by its id (as search_catalog gives it), registers and starts it. " +
          "env, secrets and arguments fill the inputs the entry declares; secrets are stored encrypted, never in the config.",
        input: z
          .object({
            server_id: ServerIdInput.describe("The catalog entry's id"),
            env: z.record(z.string(), z.string()).optional().describe("Values of the environment variables the entry declares"),
            secrets: z.record(z.string(), z.string()).optional().describe("Like env, but always stored as secrets"),
            arguments: z
              .record(z.string(), z.union([z.string(), z.array(z.string())]))
              .optional()
              .describe("Values of the package's arguments, by value hint or flag name"),
            start: z.boolean().optional().describe("Start it after installing (the default)"),
          })
          .strict(),
        role: "admin",
        readOnly: false,
        async run({ server_id, ...request }) {
          await loaded?.();
          const { server, install } = await installs.install(server_id, request);
          return jsonResult({ server: summary(server), install });
        },
      }),
    );
  }
  if (alerts) {
    tools.push(
      defineBuiltin({
        name: "alerts",
        description: "The alerts firing now: rule, server, severity, summary and since when.",
        input: z.object({}).strict(),
        role: "viewer",
        readOnly: true,
        run: async () => jsonResult({ alerts: alerts.firing() }),
      }),
    );
  }
  return tools;
}
