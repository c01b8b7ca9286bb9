/** The one typed client of the daemon's REST API; every call sends the signed-in token, if any. */
import type {
  Activity,
  AgentRun,
  AgentRunDetail,
  AgentTemplate,
  AgentView,
  AlertRecord,
  AlertRulePatch,
  ApprovalResult,
  Approvals,
  AuditEntry,
  Caller,
  CapabilityChanges,
  CapabilitySnapshot,
  CategoriesBody,
  DashboardLayout,
  DashboardLayoutInput,
  DiscoveredServer,
  DiscoveredServerDetail,
  ErrorBody,
  EvolutionCandidate,
  EvolutionRunSummary,
  EvolutionRunView,
  GatewayStatus,
  HealthBody,
  HealthHistory,
  InstallResponse,
  LogsBody,
  MemoryPage,
  MemoryRecall,
  NewAgent,
  NewAlertRule,
  NewEvolutionRun,
  NewSilence,
  PopularBody,
  RagDocument,
  RagIngest,
  RagSearch,
  RuleView,
  SearchResultBody,
  ServerEventsBody,
  ServerHealth,
  ServerListBody,
  ServerView,
  SilenceView,
  ToolCallResult,
} from "./types.js";

export const API_PREFIX = "/api/v1";

/** A problem with one field of what was sent, as the daemon names it (`ends_at`, `matchers[0].value`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** An answer other than 2xx, with the daemon's error code and message (and bad fields) when it sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }

  get forbidden(): boolean {
    return this.status === 403;
  }
}

function issuesOf(details: unknown): FieldIssue[] {
  const issues = (details as { issues?: unknown } | null | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (issue): issue is FieldIssue => typeof (issue as FieldIssue).field === "string" && typeof (issue as FieldIssue).message === "string",
  );
}

/** Query-string parameters; an undefined or empty one is left out. */
export type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** What an install is given: plain values, secrets (stored apart, never returned) and package arguments. */
export interface InstallRequest {
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  arguments?: Record<string, string>;
}

/** A history range the detail page offers, by how far back it reaches. */
export const HISTORY_RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;

export type ServerAction = "start" | "stop" | "restart";
export type AgentAction = "start" | "stop";
export type MemoryKind = MemoryPage["items"][number]["kind"];

export class ApiClient {
  constructor(private readonly token: () => string | null) {}

  private async request<T>(method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE", path: string, payload?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${API_PREFIX}${path}`, { method, headers, ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}) });
    const text = await response.text();
    const body: unknown = text.length > 0 ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (body as Partial<ErrorBody> | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? "HTTP_ERROR", error?.message ?? `${method} ${path} answered ${response.status}`, issuesOf(error?.details));
    }
    return body as T;
  }

  servers(): Promise<ServerListBody> {
    return this.request("GET", "/mcp/servers");
  }

  /** Who the signed-in token is, and the roles whose actions it may take. */
  me(): Promise<Caller> {
    return this.request("GET", "/tokens/me");
  }

  health(): Promise<HealthBody> {
    return this.request("GET", "/health");
  }

  async firingAlerts(): Promise<AlertRecord[]> {
    const body = await this.request<{ alerts: AlertRecord[] }>("GET", "/alerts?state=firing");
    return body.alerts;
  }

  async alerts(state: "firing" | "resolved" | "all", limit: number): Promise<AlertRecord[]> {
    const body = await this.request<{ alerts: AlertRecord[] }>("GET", `/alerts?state=${state}&limit=${limit}`);
    return body.alerts;
  }

  /** With auth off the daemon records `by`; with auth on, the token's name. */
  ackAlert(id: string, by: string): Promise<AlertRecord> {
    return this.request("POST", `/alerts/${encodeURIComponent(id)}/ack`, { by });
  }

  async alertRules(): Promise<RuleView[]> {
    return (await this.request<{ rules: RuleView[] }>("GET", "/alerts/rules")).rules;
  }

  createAlertRule(rule: NewAlertRule): Promise<RuleView> {
    return this.request("POST", "/alerts/rules", rule);
  }

  updateAlertRule(id: string, patch: AlertRulePatch): Promise<RuleView> {
    return this.request("PATCH", `/alerts/rules/${encodeURIComponent(id)}`, patch);
  }

  async silences(): Promise<SilenceView[]> {
    return (await this.request<{ silences: SilenceView[] }>("GET", "/alerts/silences")).silences;
  }

  createSilence(silence: NewSilence): Promise<SilenceView> {
    return this.request("POST", "/alerts/silences", silence);
  }

  expireSilence(id: string): Promise<SilenceView> {
    return this.request("DELETE", `/alerts/silences/${encodeURIComponent(id)}`);
  }

  /** Registers a server (a config entry: id, name, command or url, transport) and starts it. */
  addServer(entry: Record<string, unknown>): Promise<ServerView> {
    return this.request("POST", "/mcp/servers", { ...entry, start: true });
  }

  removeServer(id: string): Promise<void> {
    return this.request("DELETE", serverPath(id));
  }

  serverAction(id: string, action: ServerAction): Promise<ServerView> {
    return this.request("POST", `${serverPath(id)}/${action}`);
  }

  serverHealth(id: string): Promise<ServerHealth> {
    return this.request("GET", `${serverPath(id)}/health`);
  }

  history(id: string, range: HistoryRange): Promise<HealthHistory> {
    return this.request("GET", `${serverPath(id)}/health/history?from=${Date.now() - HISTORY_RANGES[range]}`);
  }

  capabilities(id: string): Promise<CapabilitySnapshot> {
    return this.request("GET", `${serverPath(id)}/capabilities`);
  }

  capabilityChanges(id: string): Promise<CapabilityChanges> {
    return this.request("GET", `${serverPath(id)}/capabilities/changes?limit=20`);
  }

  logs(id: string): Promise<LogsBody> {
    return this.request("GET", `${serverPath(id)}/logs?limit=200`);
  }

  events(id: string): Promise<ServerEventsBody> {
    return this.request("GET", `${serverPath(id)}/events?limit=30`);
  }

  callTool(id: string, tool: string, args: Record<string, unknown>): Promise<ToolCallResult> {
    return this.request("POST", `${serverPath(id)}/tools/${encodeURIComponent(tool)}/call`, { arguments: args });
  }

  approvals(): Promise<Approvals> {
    return this.request("GET", "/gateway/approvals");
  }

  approve(serverId: string, tool: string, hash: string): Promise<ApprovalResult> {
    return this.request("POST", `/gateway/approvals/${encodeURIComponent(serverId)}/${encodeURIComponent(tool)}`, { hash });
  }

  async catalog(query: Query): Promise<DiscoveredServer[]> {
    const body = await this.request<{ servers: DiscoveredServer[] }>("GET", `/mcp/discovery/servers${queryString(query)}`);
    return body.servers;
  }

  catalogEntry(id: string): Promise<DiscoveredServerDetail> {
    return this.request("GET", `/mcp/discovery/servers/${encodeURIComponent(id)}`);
  }

  categories(): Promise<CategoriesBody> {
    return this.request("GET", "/mcp/marketplace/categories");
  }

  search(q: string): Promise<SearchResultBody> {
    return this.request("GET", `/mcp/marketplace/search${queryString({ q, limit: 50 })}`);
  }

  async featured(): Promise<DiscoveredServer[]> {
    const body = await this.request<{ servers: DiscoveredServer[] }>("GET", "/mcp/marketplace/featured");
    return body.servers;
  }

  async popular(): Promise<PopularBody["servers"]> {
    const body = await this.request<PopularBody>("GET", "/mcp/marketplace/popular?limit=6");
    return body.servers;
  }

  install(id: string, request: InstallRequest): Promise<InstallResponse> {
    return this.request("POST", `/mcp/discovery/install/${encodeURIComponent(id)}`, request);
  }

  gateway(): Promise<GatewayStatus> {
    return this.request("GET", "/gateway");
  }

  async audit(query: Query): Promise<AuditEntry[]> {
    const body = await this.request<{ entries: AuditEntry[] }>("GET", `/audit${queryString(query)}`);
    return body.entries;
  }

  // --- agents, memory, retrieval and evolution ---

  async agentTemplates(): Promise<AgentTemplate[]> {
    return (await this.request<{ templates: AgentTemplate[] }>("GET", "/agents/templates")).templates;
  }

  async agents(): Promise<AgentView[]> {
    return (await this.request<{ agents: AgentView[] }>("GET", "/agents")).agents;
  }

  agent(id: string): Promise<AgentView> {
    return this.request("GET", agentPath(id));
  }

  createAgent(agent: NewAgent): Promise<AgentView> {
    return this.request("POST", "/agents", agent);
  }

  agentAction(id: string, action: AgentAction): Promise<AgentView> {
    return this.request("POST", `${agentPath(id)}/${action}`);
  }

  deleteAgent(id: string): Promise<void> {
    return this.request("DELETE", agentPath(id));
  }

  /** Starts a task and answers at once; its steps arrive on /ws (agents). */
  startRun(id: string, task: string): Promise<AgentRunDetail> {
    return this.request("POST", `${agentPath(id)}/runs`, { task, wait: false });
  }

  async agentRuns(id: string): Promise<AgentRun[]> {
    return (await this.request<{ runs: AgentRun[] }>("GET", `${agentPath(id)}/runs?limit=20`)).runs;
  }

  agentRun(id: string, runId: string): Promise<AgentRunDetail> {
    return this.request("GET", `${agentPath(id)}/runs/${encodeURIComponent(runId)}`);
  }

  memory(agentId: string, kind: MemoryKind | undefined): Promise<MemoryPage> {
    return this.request("GET", `/memory/${encodeURIComponent(agentId)}${queryString({ kind, limit: 50 })}`);
  }

  recall(agentId: string, q: string): Promise<MemoryRecall> {
    return this.request("GET", `/memory/${encodeURIComponent(agentId)}/recall${queryString({ q, limit: 10 })}`);
  }

  async ragDocuments(): Promise<RagDocument[]> {
    return (await this.request<{ documents: RagDocument[] }>("GET", "/rag/documents")).documents;
  }

  ingest(source: { name: string; text: string } | { url: string; name?: string }): Promise<RagIngest> {
    return this.request("POST", "/rag/documents", source);
  }

  deleteDocument(id: string): Promise<void> {
    return this.request("DELETE", `/rag/documents/${encodeURIComponent(id)}`);
  }

  ragSearch(q: string, mode: RagSearch["mode"], limit: number): Promise<RagSearch> {
    return this.request("POST", "/rag/search", { q, mode, limit });
  }

  async evolutionRuns(): Promise<EvolutionRunSummary[]> {
    return (await this.request<{ runs: EvolutionRunSummary[] }>("GET", "/evolution/runs?limit=50")).runs;
  }

  evolutionRun(id: string): Promise<EvolutionRunView> {
    return this.request("GET", evolutionPath(id));
  }

  startEvolution(run: NewEvolutionRun): Promise<EvolutionRunView> {
    return this.request("POST", "/evolution/runs", run);
  }

  async lineage(id: string): Promise<EvolutionCandidate[]> {
    return (await this.request<{ candidates: EvolutionCandidate[] }>("GET", `${evolutionPath(id)}/lineage`)).candidates;
  }

  abortEvolution(id: string): Promise<EvolutionRunView> {
    return this.request("POST", `${evolutionPath(id)}/abort`);
  }

  // --- activity and custom dashboards ---

  activity(): Promise<Activity> {
    return this.request("GET", "/metrics/activity");
  }

  async dashboards(): Promise<DashboardLayout[]> {
    return (await this.request<{ layouts: DashboardLayout[] }>("GET", "/dashboards")).layouts;
  }

  /** Saves a new layout, or replaces the one with `id`. */
  saveDashboard(layout: DashboardLayoutInput, id?: string): Promise<DashboardLayout> {
    return id === undefined ? this.request("POST", "/dashboards", layout) : this.request("PUT", `/dashboards/${encodeURIComponent(id)}`, layout);
  }

  deleteDashboard(id: string): Promise<void> {
    return this.request("DELETE", `/dashboards/${encodeURIComponent(id)}`);
  }
}

function serverPath(id: string): string {
  return `/mcp/servers/${encodeURIComponent(id)}`;
}

function agentPath(id: string): string {
  return `/agents/${encodeURIComponent(id)}`;
}

function evolutionPath(id: string): string {
  return `/evolution/runs/${encodeURIComponent(id)}`;
}
