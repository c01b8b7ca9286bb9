/**
 * The MCP probe: an MCP ping for the response time, then tools/resources/prompts listed afresh
 * so the check can see capability drift. A server that answers ping with "method not found"
 * is remembered, and its response time is the time to list instead.
 */
import type { Clock } from "../core/clock.js";
import type { McpManager } from "../mcp/manager-types.js";
import { isMethodNotFound, withTimeout, type HealthProbe, type ProbeReading } from "./probe.js";

export function createMcpProbe(manager: Pick<McpManager, "ping" | "refreshCapabilities">, clock: Clock): HealthProbe {
  const withoutPing = new Set<string>();
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
      const began = performance.now();
      const capabilities = await withTimeout(
        (signal) => manager.refreshCapabilities(server.id, { signal, timeoutMs }),
        timeoutMs,
        clock,
        "listing tools",
      );
      const listMs = performance.now() - began;
      return pingMs === undefined
        ? { response_time_ms: listMs, response_method: "list", capabilities }
        : { response_time_ms: pingMs, response_method: "ping", capabilities };
    },
    forget(serverId) {
      withoutPing.delete(serverId);
    },
  };
}
