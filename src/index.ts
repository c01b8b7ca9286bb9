/**
 * The TypeScript API of PyGent Factory, for embedding the daemon or its parts in another
 * program. Example: the seed's `register_server` and callback-based alerting.
 *
 * ```ts
 * const daemon = await createDaemon({ dataDir: "./data", configPath: "./mcp_server_configs.json", host: "127.0.0.1", port: 8000 });
 * await daemon.start();
 * await daemon.manager.registerServer("memory", { command: ["npx", "-y", "@modelcontextprotocol/server-memory"] }, { auto_restart: true, health_check_interval: 30 });
 * daemon.alerts.onAlert((alert) => console.log(alert.summary));
 * ```
 */
export { createDaemon } from "./daemon/daemon.js";
export type { Daemon, DaemonOptions } from "./daemon/daemon.js";
export { createMcpManager, probeServer } from "./mcp/index.js";
export type { McpManager, ProbeResult, RegisterOptions, ServerView, ToolCallResult } from "./mcp/index.js";
export { createHealthMonitor } from "./health/index.js";
export type { HealthMonitor, HealthStatus, ServerHealth } from "./health/index.js";
export { createAlertService } from "./alerts/index.js";
export type { AlertCallback, AlertService, AlertView } from "./alerts/index.js";
export { createGateway } from "./gateway/index.js";
export type { Gateway, GatewayDeps, GatewayStatus } from "./gateway/index.js";
export { createRagService, retrievalPort } from "./rag/index.js";
export type { RagService, RetrievalPort, SearchHit, SearchMode, SearchResponse } from "./rag/index.js";
export { MemoryManager } from "./memory/index.js";
export type { MemoryRules, RecalledMemory } from "./memory/index.js";
export { InProcessBus } from "./bus/index.js";
export type { DomainEvent, MessageBus } from "./bus/index.js";
export { openStore } from "./store/index.js";
export type { Store } from "./store/index.js";
export { loadConfigFile } from "./config/loader.js";
export type { ServerConfig, ServerConfigInput } from "./config/schema.js";
export { AppError } from "./core/errors.js";
export type { ErrorCode } from "./core/errors.js";
