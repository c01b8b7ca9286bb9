/** The one typed client of the daemon's REST API; every call sends the signed-in token, if any. */
import type {
  AlertRecord,
  ApprovalResult,
  Approvals,
  CapabilityChanges,
  CapabilitySnapshot,
  ErrorBody,
  HealthBody,
  HealthHistory,
  LogsBody,
  ServerEventsBody,
  ServerHealth,
  ServerListBody,
  ServerView,
  ToolCallResult,
} from "./types.js";

export const API_PREFIX = "/api/v1";

/** An answer other than 2xx, with the daemon's error code and message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** A history range the detail page offers, by how far back it reaches. */
export const HISTORY_RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;

export type ServerAction = "start" | "stop" | "restart";

export class ApiClient {
  constructor(private readonly token: () => string | null) {}

  private async request<T>(method: "GET" | "POST", path: string, payload?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${API_PREFIX}${path}`, { method, headers, body: payload === undefined ? null : JSON.stringify(payload) });
    const text = await response.text();
    const body: unknown = text.length > 0 ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (body as Partial<ErrorBody> | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? "HTTP_ERROR", error?.message ?? `${method} ${path} answered ${response.status}`);
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
}

function serverPath(id: string): string {
  return `/mcp/servers/${encodeURIComponent(id)}`;
}
