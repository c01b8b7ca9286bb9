/**
 * Composes the HTTP app: error handling, body parsing, the security guards (host/origin, auth,
 * rate limit), the OpenAPI document, and one route plugin per domain. Builds without listening;
 * the daemon listens. Order matters here: handlers and hooks go in before the routes they cover.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { AgentFactory } from "../agents/index.js";
import type { AlertService } from "../alerts/index.js";
import type { EvolutionService } from "../agents/evolution/index.js";
import { createAuditService, DEFAULT_AUDIT_RETENTION_DAYS, type AuditService } from "../audit/index.js";
import type { MessageBus } from "../bus/bus.js";
import type { RequestReply } from "../bus/request-reply.js";
import type { ConfigReloadStatus } from "../config/reload-status.js";
import { GatewayConfigSchema, SecurityConfigSchema, type GatewayConfig, type SecurityConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { AppError } from "../core/errors.js";
import type { Gateway } from "../gateway/index.js";
import { createDashboardLayouts, type HealthServices, type MetricsServices } from "../health/index.js";
import type { Logger } from "../core/logger.js";
import type { McpManager } from "../mcp/manager-types.js";
import type { MemoryManager } from "../memory/index.js";
import type { RagService } from "../rag/index.js";
import type { Store } from "../store/store.js";
import { registerAuditHook } from "./audit-hook.js";
import { authFailureLimitsOf, createAuthFailureLimiter } from "./auth/auth-failure-limiter.js";
import { createAuthenticator, registerAuthGuard } from "./auth/auth-guard.js";
import { createAuthState, type AuthState } from "./auth/auth-state.js";
import { redactTokenParam } from "./auth/route-token-guard.js";
import { createTokenService, type TokenService } from "./auth/token-service.js";
import { frameworkErrorHandler, registerErrorHandling } from "./error-handler.js";
import { registerHostOriginGuard } from "./host-origin-guard.js";
import { registerOpenApi } from "./openapi.js";
import { registerRateLimit } from "./rate-limit.js";
import { lazyRequestLogger } from "./request-log.js";
import { agentRoutes } from "./routes/agents.js";
import { busRoutes } from "./routes/bus.js";
import { alertRoutes } from "./routes/alerts.js";
import { auditRoutes } from "./routes/audit.js";
import { dashboardRoutes } from "./routes/dashboards.js";
import { discoveryRoutes, type DiscoveryServices } from "./routes/discovery.js";
import { evolutionRoutes } from "./routes/evolution.js";
import { gatewayRoutes, registerGatewayEndpoint } from "./routes/gateway.js";
import { gatewayApprovalRoutes } from "./routes/gateway-approvals.js";
import { healthRoutes } from "./routes/health.js";
import { memoryRoutes } from "./routes/memory.js";
import { metricsSummaryRoutes, prometheusRoute } from "./routes/metrics.js";
import { ragRoutes } from "./routes/rag.js";
import { serverHealthRoutes } from "./routes/server-health.js";
import { serverRoutes } from "./routes/servers.js";
import { tokenRoutes } from "./routes/tokens.js";
import { zodSchemaController } from "./validation.js";
import { createWebFiles } from "./web-files.js";

export { defaultWebRoot } from "./web-files.js";
import type { EventHubOptions } from "./ws/event-hub.js";
import { registerEventStreamRoute, registerWebSocketSupport } from "./ws/ws-route.js";

export const API_PREFIX = "/api/v1";

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The `security` section's defaults, for an app run without one. */
const DEFAULT_SECURITY: SecurityConfig = SecurityConfigSchema.parse({});
const DEFAULT_GATEWAY: GatewayConfig = GatewayConfigSchema.parse({});

/**
 * What the app needs. Later services (health monitor, alerts, discovery) join as optional fields
 * so that existing callers and tests keep compiling; a route plugin is registered only when its
 * service is given.
 */
export interface ApiDeps {
  manager: McpManager;
  store: Store;
  logger: Logger;
  clock: Clock;
  version: string;
  /** When the daemon started, ms since the epoch (for uptime). */
  startedAt: number;
  /** Where the daemon listens; the Host check accepts this name and the loopback names on the port. */
  bind: { host: string; port: number };
  /** Browser origins allowed besides the daemon's own (`http://host:port`). */
  allowedOrigins?: string[];
  /** Extra Host header values (`name` or `name:port`), e.g. behind a reverse proxy or on 0.0.0.0. */
  allowedHosts?: string[];
  /** The audit log; built over the store when not given (the daemon gives one that prunes by retention). */
  audit?: AuditService;
  /**
   * Whether auth is on; built over the store, this bind and `security` when not given (the daemon
   * gives its own, built the same way, so that it and the app share one).
   */
  authState?: AuthState;
  /** The token service; built over the store, the audit log and authState when not given. */
  tokens?: TokenService;
  /** The config's `security` section, read per request so a reload applies; defaults otherwise. */
  security?: () => SecurityConfig | undefined;
  /** The health monitor and system health (/mcp/servers/{id}/health, /health/{component}); registered only when given. */
  health?: HealthServices;
  /** Alerts and alert rules (/alerts routes); registered only when given. */
  alerts?: AlertService;
  /** The discovery catalog and installs (/mcp/discovery and /mcp/marketplace routes); registered only when given. */
  discovery?: DiscoveryServices;
  /** The message bus; the /ws event stream is registered only when given. */
  bus?: MessageBus;
  /** The /ws hub's ping interval and per-client queue bounds; defaults otherwise. */
  websocket?: Partial<EventHubOptions>;
  /** Prometheus /metrics and the /api/v1/metrics summary; registered only when given. */
  metrics?: MetricsServices;
  /** How the last load of the config file went (/config/status, `config` in /health); registered only when given. */
  configStatus?: () => ConfigReloadStatus;
  /** The dashboard's built files (`web/dist`), served at `/` with page paths falling back to its index.html; none when not given. */
  webRoot?: string;
  /** The MCP gateway (/mcp, /sse, /messages and /api/v1/gateway); registered only when given. */
  gateway?: Gateway;
  /** The config's `gateway` section (its session limits), read per use so a reload applies; defaults otherwise. */
  gatewayConfig?: () => GatewayConfig | undefined;
  /** Evolution runs (/evolution routes); registered only when given. */
  evolution?: EvolutionService;
  /** The Retrieval System (/rag routes); registered only when given. */
  rag?: RagService;
  /** The Memory Manager (/memory routes); registered only when given. */
  memory?: MemoryManager;
  /** The Agent Factory (/agents routes); registered only when given. */
  agents?: AgentFactory;
  /** The bus's request/reply (/bus/requests); registered only when given. */
  requests?: RequestReply;
}

/** The log levels at which debug lines are written. */
const DEBUG_LEVELS: ReadonlySet<string> = new Set(["debug", "trace"]);

/** Per-request lines at debug: a polling dashboard must not flood the info log. */
class QuietRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    // Built only when it is written: every request passes here.
    if (!DEBUG_LEVELS.has(request.log.level)) return;
    // The URL may carry a /ws token (`?token=`), which must never reach a log.
    const req = {
      method: request.method,
      url: redactTokenParam(request.url),
      headers: request.headers,
      host: request.host,
      ip: request.ip,
    };
    request.log.debug({ req }, "incoming request");
  }

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    request.log.debug({ res: reply, responseTime: reply.elapsedTime }, "request completed");
  }
}

export interface AuthServices {
  audit: AuditService;
  authState: AuthState;
  tokens: TokenService;
}

/**
 * The audit log, auth state and token service the app runs with: those `deps` gives, the others
 * built over the store, the bind and `security`. A caller that needs the token service (a test
 * creating tokens) builds them here and passes them to buildApp.
 */
export function createAuthServices(
  deps: Pick<ApiDeps, "store" | "clock" | "logger" | "bind" | "audit" | "authState" | "tokens" | "security">,
): AuthServices {
  const security = () => deps.security?.();
  const audit =
    deps.audit ??
    createAuditService({
      repository: deps.store.audit,
      clock: deps.clock,
      logger: deps.logger,
      retentionDays: () => security()?.audit_retention_days ?? DEFAULT_AUDIT_RETENTION_DAYS,
    });
  const authState =
    deps.authState ?? createAuthState({ repository: deps.store.authState, clock: deps.clock, audit, bindHost: deps.bind.host, security });
  const tokens = deps.tokens ?? createTokenService(deps.store, deps.clock, { audit, authState });
  return { audit, authState, tokens };
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger interface: pino's own type does not fit Fastify's generics.
  const logger: FastifyBaseLogger = deps.logger.child({ module: "api" });
  const app = Fastify({
    loggerInstance: logger,
    logController: new QuietRequestLog(),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Above the 64-character id and 128-character tool name, so a long one gets a 400 naming
    // the field rather than the router's 404.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: frameworkErrorHandler,
    schemaController: zodSchemaController,
  });

  const web = deps.webRoot === undefined ? undefined : createWebFiles(deps.webRoot);
  registerErrorHandling(app, web?.fallback);
  configureBodyParsing(app);
  // Before the guards: see registerWebSocketSupport.
  const { bus, metrics } = deps;
  const hub = bus
    ? await registerWebSocketSupport(app, { bus, clock: deps.clock, logger: deps.logger, version: deps.version, hub: deps.websocket })
    : undefined;

  registerHostOriginGuard(
    app,
    { bindHost: deps.bind.host, allowedHosts: deps.allowedHosts ?? [], allowedOrigins: deps.allowedOrigins ?? [] },
    deps.bind.port,
  );
  const security = (): SecurityConfig => deps.security?.() ?? DEFAULT_SECURITY;
  const { audit, authState, tokens } = createAuthServices(deps);
  // Before the guards, so refusals they make are on record too.
  registerAuditHook(app, audit, { auditReads: () => security().audit_reads });
  const failures = createAuthFailureLimiter({ clock: deps.clock, limits: () => authFailureLimitsOf(security()) });
  const auth = createAuthenticator({ tokens, failures, audit });
  const healthPath = `${API_PREFIX}/health`;
  await registerAuthGuard(app, auth, { healthPath });
  registerRateLimit(app, { clock: deps.clock, limits: () => security().rate_limit, healthPath });
  registerOpenApi(app, { version: deps.version });

  if (hub) {
    registerEventStreamRoute(app, hub, auth, () => ({
      total: security().ws_max_connections,
      perKey: security().ws_max_connections_per_token,
    }));
  }
  if (metrics) {
    await app.register(prometheusRoute, { metrics, auth });
    await app.register(metricsSummaryRoutes, { prefix: API_PREFIX, metrics, hubStats: hub ? () => hub.stats() : undefined });
    hub?.onDemand("metrics", (wanted) => metrics.activity.demand(wanted));
  }

  if (deps.gateway) {
    const gatewayConfig = (): GatewayConfig => deps.gatewayConfig?.() ?? DEFAULT_GATEWAY;
    registerGatewayEndpoint(app, deps.gateway, auth, {
      clock: deps.clock,
      logger: deps.logger,
      limits: () => ({ idleTimeoutMs: gatewayConfig().session_idle_timeout * 1000, max: gatewayConfig().max_sessions }),
    });
    await app.register(gatewayRoutes, { prefix: API_PREFIX, gateway: deps.gateway });
    await app.register(gatewayApprovalRoutes, { prefix: API_PREFIX, gateway: deps.gateway });
  }
  await app.register(serverRoutes, { prefix: API_PREFIX, manager: deps.manager });
  await app.register(auditRoutes, { prefix: API_PREFIX, audit, authState });
  await app.register(tokenRoutes, { prefix: API_PREFIX, tokens, clock: deps.clock });
  if (deps.agents) await app.register(agentRoutes, { prefix: API_PREFIX, agents: deps.agents });
  if (deps.requests) await app.register(busRoutes, { prefix: API_PREFIX, requests: deps.requests });
  if (deps.alerts) await app.register(alertRoutes, { prefix: API_PREFIX, alerts: deps.alerts });
  await app.register(dashboardRoutes, { prefix: API_PREFIX, layouts: createDashboardLayouts(deps.store.dashboardLayouts, deps.clock) });
  if (deps.evolution) await app.register(evolutionRoutes, { prefix: API_PREFIX, evolution: deps.evolution });
  if (deps.rag) await app.register(ragRoutes, { prefix: API_PREFIX, rag: deps.rag });
  if (deps.memory) await app.register(memoryRoutes, { prefix: API_PREFIX, memory: deps.memory });
  if (deps.discovery) await app.register(discoveryRoutes, { prefix: API_PREFIX, manager: deps.manager, ...deps.discovery });
  if (deps.health) await app.register(serverHealthRoutes, { prefix: API_PREFIX, monitor: deps.health.monitor, clock: deps.clock });
  await app.register(healthRoutes, {
    prefix: API_PREFIX,
    manager: deps.manager,
    store: deps.store,
    clock: deps.clock,
    version: deps.version,
    startedAt: deps.startedAt,
    system: deps.health?.system,
    configStatus: deps.configStatus,
  });
  web?.registerRoutes(app);
  return app;
}

/**
 * JSON only. Plain text is refused (415) rather than handed to a schema as a string, and an
 * empty body sent with a JSON content type counts as no body: clients that always set the
 * header on a bodiless POST (start, stop) are not told their JSON is broken. A body of JSON
 * `null` is refused: Fastify would hand it on like an absent body, and a tool call would then
 * run with no arguments.
 */
function configureBodyParsing(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, body as string, (error, parsed) => {
      if (!error && parsed === null) {
        const issue = { field: "body", message: "must be a JSON object, not null" };
        done(new AppError("VALIDATION_FAILED", `${issue.field}: ${issue.message}`, { issues: [issue] }), undefined);
        return;
      }
      done(error, parsed);
    });
  });
}
