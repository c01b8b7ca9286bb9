/**
 * The schema of `mcp_server_configs.json`: the seed's server entry (id, name, command, category,
 * description, health_check_interval, auto_restart) extended with transports, environment,
 * timeouts and the restart policy. Durations are in seconds, as the seed's
 * health_check_interval is. Validated once at the edge; the rest of the product trusts it.
 */
import { z } from "zod";
import { serverIdProblem } from "../core/ids.js";
import { AlertsConfigSchema, type AlertsConfig } from "./alerts-schema.js";
import { GatewayProfilesSchema, MCP_TOOL_NAME_PATTERN, ToolOverrideSchema, toolOverrideKeyProblems } from "./gateway-profiles-schema.js";
import { HttpUrlSchema } from "./http-url-schema.js";
import { LimitsConfigSchema, type LimitsConfig } from "./limits.js";
import { LlmConfigSchema, type LlmConfig } from "./llm-schema.js";

export { HttpUrlSchema };

const seconds = (max: number) => z.number().positive().max(max);

const nonEmptyString = z.string().min(1, "must not be empty");

const ServerIdSchema = z.string().superRefine((id, ctx) => {
  const problem = serverIdProblem(id);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * Health thresholds: a warning and a critical level per metric. Every field is optional so a
 * server entry can override one level of one metric; the health monitor layers a server's
 * override over the config file's `health.thresholds` over the built-in defaults.
 */
const LevelsSchema = z
  .object({ warning: z.number().nonnegative().optional(), critical: z.number().nonnegative().optional() })
  .strict()
  .refine((levels) => levels.warning === undefined || levels.critical === undefined || levels.warning <= levels.critical, {
    message: "warning must not be above critical",
  });

export const ThresholdsSchema = z
  .object({
    response_time_ms: LevelsSchema.optional(),
    cpu_percent: LevelsSchema.optional(),
    memory_mb: LevelsSchema.optional(),
    /** Percent (0-100) of failed probes and tool calls over the error window. */
    error_rate: LevelsSchema.optional(),
    consecutive_failures: LevelsSchema.optional(),
  })
  .strict();

export type ThresholdsInput = z.output<typeof ThresholdsSchema>;

/** The fields common to every way of writing a server entry. */
const ServerFields = {
  id: ServerIdSchema,
  name: nonEmptyString.max(200).optional(),
  transport: z.enum(["stdio", "sse", "http"]).optional(),
  command: z.array(nonEmptyString).min(1, "must not be empty").optional(),
  url: HttpUrlSchema.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** A remote server's TLS: `ca_file`, a PEM bundle of CAs trusted besides the default ones. */
  tls: z.object({ ca_file: nonEmptyString }).strict().optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: nonEmptyString.optional(),
  category: z.string().max(100).optional(),
  /** Labels that gateway profiles select servers by (`gateway.profiles.<name>.tags`). */
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  health_check_interval: seconds(86_400).min(1, "must be at least 1 second").default(30),
  /**
   * After the process ends (systemd's words): `on-failure` restarts after a crash but leaves a
   * clean exit (code 0) `stopped`; `always` restarts after either; `never` leaves a crash `failed`.
   * `auto_restart: false` is the older way to say `never`.
   */
  restart: z.enum(["on-failure", "always", "never"]).optional(),
  auto_restart: z.boolean().default(true),
  startup_timeout: seconds(600).default(30),
  request_timeout: seconds(3600).default(60),
  shutdown_timeout: seconds(120).default(5),
  restart_backoff_initial: seconds(3600).default(1),
  restart_backoff_max: seconds(86_400).default(60),
  /** Failed starts allowed inside restart_window before the server is left in crash_loop. */
  restart_max_failures: z.number().int().min(1).max(1000).default(5),
  restart_window: seconds(86_400).default(300),
  /** A run this long counts as stable: the backoff starts again from restart_backoff_initial. */
  restart_stable_after: seconds(86_400).default(30),
  /** Seconds after which a stdio server in crash_loop gets a fresh start; 0 or null: it stays there until started by hand. */
  restart_after_crash_loop: z.number().min(0).max(86_400).nullable().default(300),
  /**
   * Health checks failing in a row before a running server is restarted, as a liveness probe
   * would; 0 never restarts on checks.
   */
  restart_after_failed_checks: z.number().int().min(0).max(1000).default(3),
  /** Per-server health thresholds, over `health.thresholds` of the config file. */
  thresholds: ThresholdsSchema.optional(),
  /**
   * `with_daemon`: started when the daemon starts. `on_demand`: left stopped until a call routed
   * to it (gateway or REST) starts it; its tools are listed meanwhile from its last snapshot.
   */
  start: z.enum(["with_daemon", "on_demand"]).default("with_daemon"),
  /** Seconds without calls after which an on-demand server is stopped (not a failure); none: it keeps running. */
  idle_stop: seconds(86_400 * 30).optional(),
};

export const ServerConfigSchema = z
  .object(ServerFields)
  .strict()
  .superRefine((server, ctx) => {
    const transport = server.transport ?? (server.command ? "stdio" : server.url ? "http" : undefined);
    if (transport === undefined) {
      ctx.addIssue({ code: "custom", path: ["command"], message: "is required (or give url for a remote server)" });
      return;
    }
    if (transport === "stdio") {
      if (!server.command) ctx.addIssue({ code: "custom", path: ["command"], message: "is required for the stdio transport" });
      if (server.url) ctx.addIssue({ code: "custom", path: ["url"], message: "is not used by the stdio transport" });
      if (server.headers) ctx.addIssue({ code: "custom", path: ["headers"], message: "is not used by the stdio transport" });
      if (server.tls) ctx.addIssue({ code: "custom", path: ["tls"], message: "is not used by the stdio transport" });
    } else {
      if (!server.url) ctx.addIssue({ code: "custom", path: ["url"], message: `is required for the ${transport} transport` });
      if (server.command) ctx.addIssue({ code: "custom", path: ["command"], message: `is not used by the ${transport} transport` });
      if (server.cwd) ctx.addIssue({ code: "custom", path: ["cwd"], message: `is not used by the ${transport} transport` });
    }
    if (server.restart !== undefined && server.restart !== "never" && !server.auto_restart) {
      ctx.addIssue({ code: "custom", path: ["restart"], message: `contradicts auto_restart: false; give only restart: "${server.restart}"` });
    }
    if (server.idle_stop !== undefined && server.start !== "on_demand") {
      ctx.addIssue({
        code: "custom",
        path: ["idle_stop"],
        message: 'needs start: "on_demand" (a server started with the daemon would not come back after an idle stop)',
      });
    }
    if (server.restart_backoff_max < server.restart_backoff_initial) {
      ctx.addIssue({
        code: "custom",
        path: ["restart_backoff_max"],
        message: "must not be less than restart_backoff_initial",
      });
    }
  })
  .transform((server) => ({
    ...server,
    restart: server.restart ?? (server.auto_restart ? ("on-failure" as const) : ("never" as const)),
    name: server.name ?? server.id,
    transport: server.transport ?? (server.command ? ("stdio" as const) : ("http" as const)),
  }));

/** A validated server entry, with defaults filled in and the transport resolved. */
export type ServerConfig = z.output<typeof ServerConfigSchema>;
/** A server entry as a person writes it. */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;

/**
 * The config file's `health` section: monitoring settings for the whole daemon. Durations in
 * seconds (retention in hours and days), like the rest of the file.
 */
export const HealthConfigSchema = z
  .object({
    /** Defaults for every server; a server's own `thresholds` win. */
    thresholds: ThresholdsSchema.default({}),
    retention: z
      .object({
        raw_hours: z.number().positive().max(24 * 365).default(24),
        minute_days: z.number().positive().max(3650).default(7),
        hour_days: z.number().positive().max(3650).default(90),
        /** Servers' lifecycle events (started, exited, restarted, ...). */
        server_events_days: z.number().positive().max(3650).default(30),
        /** Recorded capability changes (drift history). */
        capability_changes_days: z.number().positive().max(3650).default(90),
      })
      .strict()
      .prefault({}),
    /** Probes running at once, over all servers. */
    max_concurrency: z.number().int().min(1).max(1024).default(16),
    /** Random spread of each probe's start, as a fraction of the server's interval (0-1). */
    jitter: z.number().min(0).max(1).default(0.1),
    /**
     * A check lists tools, resources and prompts again (for capability drift) every this many
     * checks, and at the next check after the server announces a list_changed; 1 lists at every check.
     */
    list_capabilities_every: z.number().int().min(1).max(10_000).default(10),
    /** How long one probe may take before it counts as failed. */
    probe_timeout: seconds(600).default(10),
    /** The window of the error rate. */
    error_window: seconds(86_400).default(300),
    /** The daemon's own RSS limit for /health/memory; warning at 80 %. */
    rss_limit_mb: z.number().positive().default(1024),
    /**
     * Ollama's address; http://127.0.0.1:11434 when not given. Ollama counts toward the overall
     * health only once this or ollama_model is set: nothing uses it until someone configures it.
     */
    ollama_url: HttpUrlSchema.optional(),
    /** A model that must be present in Ollama; a missing one is a warning. Never pulled. */
    ollama_model: nonEmptyString.optional(),
  })
  .strict();

export type HealthConfig = z.output<typeof HealthConfigSchema>;

/** One MCP registry speaking the official Registry API, listed into the discovery catalog. */
export const RegistryConfigSchema = z
  .object({
    /** Distinct per registry; "registry", "registry-2", ... when not given. */
    id: nonEmptyString.max(64).optional(),
    url: HttpUrlSchema,
    /** Category given to its entries, which registries do not classify. */
    category: nonEmptyString.max(100).optional(),
    /** The registry's own name filter. */
    search: nonEmptyString.max(200).optional(),
    /** One deadline for the whole listing, all pages together. */
    timeout: seconds(600).default(15),
    max_pages: z.number().int().min(1).max(1000).default(20),
  })
  .strict();

/**
 * The config file's `discovery` section: where the catalog looks besides its built-in entries,
 * and how installs run. Read when the daemon starts.
 */
export const DiscoveryConfigSchema = z
  .object({
    /** Remote registries; none by default, so the daemon starts without the network. */
    registries: z.array(RegistryConfigSchema).default([]),
    /** npm prefixes (folders holding node_modules) scanned for installed MCP servers, besides data/servers. */
    local_scan_dirs: z.array(nonEmptyString).default([]),
    /** How long one package install (npm, docker pull) may take. */
    install_timeout: seconds(3600).default(180),
    /** Run npm install scripts (preinstall, postinstall, ...). Off: a package runs nothing at install. */
    npm_install_scripts: z.boolean().default(false),
    oci: z
      .object({
        /** Let a registry entry's docker flags reach the host (--privileged, host mounts, host namespaces, devices, ...). */
        allow_unsafe_flags: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type DiscoveryConfig = z.output<typeof DiscoveryConfigSchema>;

/**
 * The config file's `network` section: which addresses remote servers added through the API or
 * installed from the catalog may reach. Cloud metadata addresses are refused whatever it says;
 * servers written in this file are the operator's own and are not checked.
 */
export const NetworkConfigSchema = z
  .object({
    allow_loopback: z.boolean().default(false),
    allow_private: z.boolean().default(false),
  })
  .strict();

export type NetworkConfig = z.output<typeof NetworkConfigSchema>;

/**
 * The config file's `rag` section: which folders of the daemon's machine documents may be
 * ingested from by path (none by default: inline text and URLs only), the size limit of one
 * document, and how documents are cut into chunks.
 */
export const RagConfigSchema = z
  .object({
    /** Relative folders are resolved against the config file's folder. */
    roots: z.array(z.string().min(1)).max(100).default([]),
    max_document_bytes: z
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(2 * 1024 * 1024),
    chunk_words: z.number().int().min(20).max(2000).default(200),
    chunk_overlap_words: z.number().int().min(0).max(500).default(40),
  })
  .strict()
  .refine((rag) => rag.chunk_overlap_words * 2 <= rag.chunk_words, {
    path: ["chunk_overlap_words"],
    message: "must be at most half of chunk_words",
  });

export type RagConfig = z.output<typeof RagConfigSchema>;

/** One token bucket: `burst` requests at once, refilled at `per_minute` a minute. */
const RateBucketSchema = (burst: number, perMinute: number) =>
  z
    .object({
      burst: z.number().int().min(1).max(1_000_000).default(burst),
      per_minute: z.number().int().min(1).max(10_000_000).default(perMinute),
    })
    .strict()
    .prefault({});

/**
 * The API's request budget: a request authenticated by a token spends its token's bucket, any
 * other its client address's. Loopback clients are exempt unless `loopback` is true.
 */
export const RateLimitConfigSchema = z
  .object({
    per_address: RateBucketSchema(600, 1200),
    per_token: RateBucketSchema(2000, 6000),
    /** Also limit clients on 127.0.0.0/8 and ::1 (the local CLI and dashboards). */
    loopback: z.boolean().default(false),
  })
  .strict()
  .prefault({});

export type RateLimitConfig = z.output<typeof RateLimitConfigSchema>;

/**
 * The config file's `security` section. Auth is otherwise on once a token exists or the daemon
 * listens beyond loopback; this turns it on for loopback too (a shared machine, where every local
 * user can reach 127.0.0.1). Audit settings apply at the next reload.
 */
export const SecurityConfigSchema = z
  .object({
    require_token_on_loopback: z.boolean().default(false),
    /** Also record GET requests in the audit log (mutations always are). */
    audit_reads: z.boolean().default(false),
    /** Audit entries older than this many days are pruned. */
    audit_retention_days: z.number().int().min(1).max(3650).default(90),
    /** Bad tokens one client address may present within auth_failure_window before it is locked out. */
    auth_failure_limit: z.number().int().min(1).max(10_000).default(10),
    /** Seconds over which auth failures are counted. */
    auth_failure_window: seconds(86_400).default(60),
    /** Seconds a locked-out address is refused (429 TOO_MANY_AUTH_FAILURES) whatever token it presents. */
    auth_lockout: seconds(86_400).default(300),
    /** Open /ws connections, all clients together. */
    ws_max_connections: z.number().int().min(1).max(100_000).default(100),
    /** Open /ws connections per token (per client address while auth is off). */
    ws_max_connections_per_token: z.number().int().min(1).max(100_000).default(20),
    /** Requests per token or client address (see RateLimitConfigSchema). */
    rate_limit: RateLimitConfigSchema,
  })
  .strict();

export type SecurityConfig = z.output<typeof SecurityConfigSchema>;

export { MCP_TOOL_NAME_PATTERN };

/**
 * The config file's `gateway` section: how the one MCP endpoint (/mcp) names what it serves, and
 * which tool definitions it holds for approval.
 * A tool or prompt is `<server_id><separator><name>`; the separator uses only characters MCP
 * allows in tool names. Applies at the next start of the daemon.
 */
export const GatewayConfigSchema = z
  .object({
    separator: z
      .string()
      .min(1)
      .max(16)
      .regex(MCP_TOOL_NAME_PATTERN, "may contain only letters, digits, '_', '.' and '-' (MCP tool-name characters)")
      .default("__"),
    /**
     * Rug-pull quarantine: a tool whose definition changed since it was approved, or that looks
     * suspicious, is withheld from clients until an admin approves it. A new server's tools are
     * approved as first seen.
     */
    approve_changes: z.boolean().default(true),
    /**
     * A string in a tool's definition (its description above all) longer than this is suspicious.
     * The default is about three times the longest of the official starter servers'
     * (sequential-thinking's, 2,800 characters), which must be served as they are.
     */
    max_description_length: z.number().int().min(100).max(1_000_000).default(8000),
    /** Seconds a /mcp session may go without a request (and without an open event stream) before it is closed. */
    session_idle_timeout: seconds(86_400 * 7).default(1800),
    /** Open MCP sessions (/mcp and the legacy /sse) at most; an initialize past it is refused with 503. */
    max_sessions: z.number().int().min(1).max(100_000).default(256),
    /** Named subsets served at /mcp/p/<name> (gateway-profiles-schema.ts). */
    profiles: GatewayProfilesSchema.default({}),
    /** Per-tool overrides by gateway name, applied at /mcp and in every profile. */
    tools: z.record(z.string(), ToolOverrideSchema).default({}),
  })
  .strict()
  .superRefine((gateway, ctx) => {
    for (const { key, message } of toolOverrideKeyProblems(Object.keys(gateway.tools), gateway.separator)) {
      ctx.addIssue({ code: "custom", path: ["tools", key], message });
    }
  });

export type GatewayConfig = z.output<typeof GatewayConfigSchema>;

export const ConfigFileSchema = z
  .object({
    servers: z.array(z.unknown()).default([]),
    health: HealthConfigSchema.optional(),
    alerts: AlertsConfigSchema.optional(),
    discovery: DiscoveryConfigSchema.optional(),
    network: NetworkConfigSchema.optional(),
    security: SecurityConfigSchema.optional(),
    limits: LimitsConfigSchema.optional(),
    gateway: GatewayConfigSchema.optional(),
    rag: RagConfigSchema.optional(),
    llm: LlmConfigSchema.optional(),
  })
  .strict();

export type ConfigFile = {
  servers: ServerConfig[];
  health?: HealthConfig | undefined;
  alerts?: AlertsConfig | undefined;
  discovery?: DiscoveryConfig | undefined;
  network?: NetworkConfig | undefined;
  security?: SecurityConfig | undefined;
  limits?: LimitsConfig | undefined;
  gateway?: GatewayConfig | undefined;
  rag?: RagConfig | undefined;
  llm?: LlmConfig | undefined;
};
