/**
 * The MCP probe: an MCP ping for the response time. Tools, resources and prompts are listed
 * again, so the check can see capability drift, when the server announced a list_changed and
 * otherwise every `listEvery()` checks: a listing is three requests, a ping one. A server that
 * answers ping with "method not found" is remembered, and it is listed at every check, whose
 * time is its response time.
 */
import type { Clock } from "../core/clock.js";
import type { McpManager } from "../mcp/manager-types.js";
import { isMethodNotFound, withTimeout, type HealthProbe, type ProbeReading } from "./probe.js";

export function createMcpProbe(
  manager: Pick<McpManager, "ping" | "refreshCapabilities" | "capabilitiesChanged">,
  clock: Clock,
  listEvery: () => number = () => 1,
): HealthProbe {
  const withoutPing = new Set<string>();
  /** Checks since the server's capabilities were last listed. */
  const sinceListed = new Map<string, number>();
  return {
    name: "mcp",
    essential: true,
    appliesTo: () => true,
    async run(server, timeoutMs): Promise<ProbeReading> {
      let pingMs: number | undefined;
      if (!withoutPing.has(server.id)) {
        try {
          pingMs = await withTimeout((signal) => manager.ping(server.id, { signal, timeoutMs }), timeoutMs, clock, "ping");
        } catch (error) {
          if (!isMethodNotFound(error)) throw error;
          withoutPing.add(server.id);
        }
      }
      const checks = (sinceListed.get(server.id) ?? 0) + 1;
      if (pingMs !== undefined && checks < listEvery() && !manager.capabilitiesChanged(server.id)) {
        sinceListed.set(server.id, checks);
        return { response_time_ms: pingMs, response_method: "ping" };
      }
      const began = performance.now();
      const capabilities = await withTimeout(
        (signal) => manager.refreshCapabilities(server.id, { signal, timeoutMs }),
        timeoutMs,
        clock,
        "listing tools",
      );
      const listMs = performance.now() - began;
      sinceListed.set(server.id, 0);
      return pingMs === undefined
        ? { response_time_ms: listMs, response_method: "list", capabilities }
        : { response_time_ms: pingMs, response_method: "ping", capabilities };
    },
    forget(serverId) {
      withoutPing.delete(serverId);
      sinceListed.delete(serverId);
    },
  };
}
