/** The one typed client of the daemon's REST API; every call sends the signed-in token, if any. */
import type {
  AlertRecord,
  ApprovalResult,
  ApprovalsBody,
  AuditEntry,
  CategoriesBody,
  DiscoveredServer,
  DiscoveredServerDetail,
  ErrorBody,
  GatewayStatus,
  HealthBody,
  InstallResponse,
  PopularBody,
  SearchResultBody,
  ServerListBody,
  ServerView,
} from "./types.js";

export const API_PREFIX = "/api/v1";

/** One problem with a request, naming the field it is about (`env.API_KEY`, `limit`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** An answer other than 2xx, with the daemon's error code and message when it sent one, and the fields it named. */
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

export type ServerAction = "start" | "stop" | "restart";

export class ApiClient {
  constructor(private readonly token: () => string | null) {}

  private async request<T>(method: "GET" | "POST", path: string, payload?: unknown): Promise<T> {
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

  health(): Promise<HealthBody> {
    return this.request("GET", "/health");
  }

  async firingAlerts(): Promise<AlertRecord[]> {
    const body = await this.request<{ alerts: AlertRecord[] }>("GET", "/alerts?state=firing");
    return body.alerts;
  }

  serverAction(id: string, action: ServerAction): Promise<ServerView> {
    return this.request("POST", `/mcp/servers/${encodeURIComponent(id)}/${action}`);
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

  approvals(): Promise<ApprovalsBody> {
    return this.request("GET", "/gateway/approvals");
  }

  approve(serverId: string, tool: string, hash: string): Promise<ApprovalResult> {
    return this.request("POST", `/gateway/approvals/${encodeURIComponent(serverId)}/${encodeURIComponent(tool)}`, { hash });
  }

  async audit(query: Query): Promise<AuditEntry[]> {
    const body = await this.request<{ entries: AuditEntry[] }>("GET", `/audit${queryString(query)}`);
    return body.entries;
  }
}
