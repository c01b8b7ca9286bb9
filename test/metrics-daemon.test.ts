/**
 * /metrics and /api/v1/metrics on a real daemon (createDaemon, port 0) supervising the echo
 * fixture: after probes, tool calls (one failing) and a kill with its automatic restart, the
 * Prometheus text parses and carries the right series; the JSON summary agrees; both follow the
 * API's token rule; and a server removed from the config file leaves no series behind.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTokenService } from "../src/api/auth/token-service.js";
import { createAuthState } from "../src/api/auth/auth-state.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { parsePrometheusText, sampleValue, type Exposition } from "./helpers/prometheus-text.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let daemon: Daemon | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-metrics-daemon-");
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

const echo = (id: string) => ({
  id,
  command: [process.execPath, fixturePath("echo-server.mjs")],
  shutdown_timeout: 2,
  health_check_interval: 1,
  restart_backoff_initial: 0.2,
  restart_backoff_max: 0.5,
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(await response.text());
}

interface Summary {
  health: { status: string; servers: number; running: number; by_status: Record<string, number> };
  performance: {
    response_time_ms: { avg: number | null; p95: number | null; samples: number };
    tool_calls: { total: number; errors: number; error_rate: number | null };
    restarts_last_hour: number;
  };
  daemon: { uptime_s: number; cpu_percent: number; rss_bytes: number; heap_used_bytes: number; heap_total_bytes: number };
  alerts: { firing: number; by_severity: Record<string, number> };
  websocket?: { clients: number };
}

describe("metrics on a real daemon", () => {
  it("exposes Prometheus series and a JSON summary that match what happened", async () => {
    const configPath = join(dir, "mcp_server_configs.json");
    // CPU levels out of reach: a loaded test machine must not turn the servers' status to warning.
    const health = { thresholds: { cpu_percent: { warning: 10_000, critical: 10_000 } } };
    writeFileSync(configPath, JSON.stringify({ servers: [echo("echo"), echo("other")], health }));
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const { url } = await daemon.start();
    const healthy = (id: string) => daemon!.health.current(id).status === "healthy";
    await waitFor(() => healthy("echo") && healthy("other"), { timeoutMs: 20_000, message: "both servers healthy" });

    const call = (args: Record<string, unknown>) =>
      fetch(`${url}/api/v1/mcp/servers/echo/tools/echo/call`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ arguments: args }),
      });
    expect((await call({ text: "hi" })).status).toBe(200);
    await call({ text: 42 }); // wrong argument type: an error result or a failed call, either way an error

    process.kill(daemon.manager.get("echo").pid!, "SIGKILL");
    await waitFor(() => daemon!.manager.get("echo").restarts === 1 && daemon!.manager.get("echo").state === "running", {
      timeoutMs: 20_000,
      message: "echo restarted",
    });
    await waitFor(() => healthy("echo"), { timeoutMs: 20_000, message: "echo healthy again" });
    // CPU is measured between two looks at the same process: look at the new one until it has a figure.
    await waitFor(
      async () => {
        await daemon!.health.checkNow("echo");
        return daemon!.health.current("echo").metrics.cpu_percent !== null;
      },
      { timeoutMs: 10_000, message: "a CPU figure for the restarted echo server" },
    );

    const exposition = await scrape(url);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(exposition, name, labels);
    expect(value("pygent_server_up", { server_id: "echo" })).toBe(1);
    expect(value("pygent_server_up", { server_id: "other" })).toBe(1);
    expect(value("pygent_server_health_status", { server_id: "echo", status: "healthy" })).toBe(1);
    expect(value("pygent_server_health_status", { server_id: "echo", status: "offline" })).toBe(0);
    expect(value("pygent_server_restarts_total", { server_id: "echo" })).toBe(1);
    expect(value("pygent_server_restarts_total", { server_id: "other" })).toBeUndefined();
    expect(value("pygent_tool_calls_total", { server_id: "echo" })).toBe(2);
    expect(value("pygent_tool_call_errors_total", { server_id: "echo" })).toBe(1);
    expect(value("pygent_server_probe_duration_seconds_count", { server_id: "echo" })).toBeGreaterThanOrEqual(2);
    expect(value("pygent_server_probe_duration_seconds_bucket", { server_id: "echo", le: "+Inf" })).toBe(
      value("pygent_server_probe_duration_seconds_count", { server_id: "echo" }),
    );
    expect(value("pygent_server_memory_bytes", { server_id: "echo" })).toBeGreaterThan(1024 * 1024);
    expect(value("pygent_server_cpu_percent", { server_id: "echo" })).toBeGreaterThanOrEqual(0);
    expect(value("pygent_alerts_firing", { severity: "critical" })).toBeGreaterThanOrEqual(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(exposition.types.get("pygent_tool_calls_total")).toBe("counter");

    const response = await fetch(`${url}/api/v1/metrics`);
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Summary;
    expect(summary.health).toMatchObject({ status: "healthy", servers: 2, running: 2 });
    expect(summary.health.by_status.healthy).toBe(2);
    expect(summary.performance.tool_calls).toEqual({ total: 2, errors: 1, error_rate: 50 });
    expect(summary.performance.restarts_last_hour).toBe(1);
    expect(summary.performance.response_time_ms.samples).toBeGreaterThanOrEqual(3);
    expect(summary.performance.response_time_ms.avg).toBeGreaterThan(0);
    expect(summary.performance.response_time_ms.p95).toBeGreaterThan(0);
    expect(summary.daemon.rss_bytes).toBeGreaterThan(0);
    expect(summary.daemon.heap_used_bytes).toBeGreaterThan(0);
    expect(summary.daemon.uptime_s).toBeGreaterThanOrEqual(0);
    expect(summary.alerts.by_severity).toHaveProperty("critical");
    expect(summary.websocket).toMatchObject({ clients: 0 });

    // A server removed from the config file takes its series with it.
    writeFileSync(configPath, JSON.stringify({ servers: [echo("other")] }));
    // The series go once the server has stopped and its removal is published.
    const after = await waitFor(
      async () => {
        const scraped = await scrape(url);
        return scraped.samples.some((sample) => sample.labels.server_id === "echo") ? undefined : scraped;
      },
      { timeoutMs: 10_000, message: "echo's series gone after the config reload" },
    );
    expect(daemon.manager.list().map((server) => server.id)).toEqual(["other"]);
    expect(sampleValue(after, "pygent_server_up", { server_id: "other" })).toBe(1);
  });

  it("asks for a viewer token on /metrics and /api/v1/metrics once tokens exist; the Host guard applies", async () => {
    const configPath = join(dir, "mcp_server_configs.json");
    writeFileSync(configPath, JSON.stringify({ servers: [] }));
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
    const { url } = await daemon.start();
    const viewer = await createTokenService(daemon.store, systemClock, { authState: createAuthState({ repository: daemon.store.authState, clock: systemClock }) }).create("prometheus", "viewer");

    for (const path of ["/metrics", "/api/v1/metrics"]) {
      expect((await fetch(`${url}${path}`)).status).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: { authorization: "Bearer pgf_wrong" } })).status).toBe(401);
      const ok = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${viewer.token}` } });
      expect(ok.status).toBe(200);
    }
    // The query token is for browser WebSockets only.
    expect((await fetch(`${url}/metrics?token=${viewer.token}`)).status).toBe(401);
    const exposition = await scrape(url, { authorization: `Bearer ${viewer.token}` });
    expect(sampleValue(exposition, "pygent_alerts_firing", { severity: "warning" })).toBe(0);

    const foreign = await daemon.app!.inject({ method: "GET", url: "/metrics", headers: { host: "evil.example" } });
    expect(foreign.statusCode).toBe(403);
  });
});
