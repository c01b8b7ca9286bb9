/** The one typed client of the daemon's REST API; every call sends the signed-in token, if any. */
import type { AlertRecord, ErrorBody, HealthBody, ServerListBody, ServerView } from "./types.js";

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

export type ServerAction = "start" | "stop" | "restart";

export class ApiClient {
  constructor(private readonly token: () => string | null) {}

  private async request<T>(method: "GET" | "POST", path: string): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${API_PREFIX}${path}`, { method, headers });
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
    return this.request("POST", `/mcp/servers/${encodeURIComponent(id)}/${action}`);
  }
}
