/**
 * /ws on the real app (buildApp over a real store and manager) listening on 127.0.0.1:0, with real
 * `ws` clients: the protocol, bad messages, auth on the upgrade, the Host/Origin guard, keep-alive,
 * shutdown, and the slow consumer that is dropped while another client keeps up.
 */
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../src/api/app.js";
import { createTokenService, type TokenService } from "../src/api/auth/token-service.js";
import { createAuthState } from "../src/api/auth/auth-state.js";
import {
  SLOW_CONSUMER_CLOSE_CODE,
  SLOW_CONSUMER_CLOSE_REASON,
  UNAUTHORIZED_CLOSE_CODE,
  type EventHubOptions,
} from "../src/api/ws/event-hub.js";
import { InProcessBus, type HealthMetrics } from "../src/bus/index.js";
import { SecurityConfigSchema, type SecurityConfig } from "../src/config/schema.js";
import { ManualClock, systemClock, type Clock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger, type Logger } from "../src/core/logger.js";
import { createMcpManager, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { closeAll, UpgradeRefused, WsTestClient } from "./helpers/ws-client.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

interface Harness {
  app: FastifyInstance;
  bus: InProcessBus;
  tokens: TokenService;
  url: string;
  wsUrl: string;
}

const cleanups: Array<() => Promise<void>> = [];

async function start(
  options: {
    websocket?: Partial<EventHubOptions>;
    logger?: Logger;
    security?: Partial<SecurityConfig>;
    clock?: Clock;
  } = {},
): Promise<Harness> {
  const dir = makeTempDir("pygent-ws-");
  const clock = options.clock ?? systemClock;
  const store: Store = openStore(dir, clock);
  const bus = new InProcessBus();
  const manager: McpManager = createMcpManager({ clock, bus, store, logger: silentLogger(), daemonInstance: newId() });
  await manager.start();
  const tokens = createTokenService(store, clock, { authState: createAuthState({ repository: store.authState, clock }) });
  const security = SecurityConfigSchema.parse(options.security ?? {});
  const app = await buildApp({
    manager,
    store,
    bus,
    logger: options.logger ?? silentLogger(),
    clock,
    version: "0.0.0-test",
    startedAt: clock.now(),
    security: () => security,
    bind: { host: "127.0.0.1", port: 0 },
    ...(options.websocket ? { websocket: options.websocket } : {}),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(async () => {
    await app.close();
    await manager.stop();
    bus.close();
    store.close();
    removeTempDir(dir);
  });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, bus, tokens, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

afterEach(async () => {
  closeAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const metrics: HealthMetrics = {
  response_time_ms: 3.2,
  cpu_percent: 0.5,
  memory_mb: 41.2,
  error_rate: 0,
  consecutive_failures: 0,
  uptime_1h: 100,
  uptime_24h: 100,
  uptime_7d: 100,
};

/** A debug-level logger writing to memory, and the lines it wrote. */
function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

/** Opens one client per url, each subscribed to `events` (acked) before the next step. */
async function subscribedClients(urls: string[], events: string[]): Promise<WsTestClient[]> {
  const clients = await Promise.all(urls.map((url) => WsTestClient.open(url)));
  for (const client of clients) {
    client.send({ type: "subscribe", events });
    await client.next((m) => m.type === "subscribed");
  }
  return clients;
}

/** The client stops reading: its TCP window, then the kernel buffers, then the hub's queue fill. */
function stopReading(client: WsTestClient): void {
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

function resumeReading(client: WsTestClient): void {
  (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
}

function publishHealth(bus: InProcessBus, serverId: string, status: "healthy" | "offline", at = Date.now()): void {
  bus.publish({ type: "health_update", server_id: serverId, status, previous_status: null, reasons: [], metrics, state: status === "offline" ? "backoff" : "running", at });
}

describe("/ws protocol", () => {
  it("welcomes, acks a subscribe, delivers health updates in the seed's shape, and stops after unsubscribe", async () => {
    const { bus, wsUrl } = await start();
    const client = await WsTestClient.open(wsUrl);
    const welcome = await client.next((m) => m.type === "welcome");
    expect(welcome).toMatchObject({ version: "0.0.0-test", events: expect.arrayContaining(["health_updates", "logs"]) });

    client.send({ type: "subscribe", events: ["health_updates"] });
    expect(await client.next((m) => m.type === "subscribed")).toEqual({ type: "subscribed", events: ["health_updates"], server_ids: {} });

    publishHealth(bus, "cloudflare-browser", "healthy", 42);
    bus.publish({ type: "server_log", server_id: "cloudflare-browser", stream: "stderr", line: "not subscribed", at: 43 });
    const update = await client.next((m) => m.type === "health_update");
    expect(update).toEqual({
      type: "health_update",
      server_id: "cloudflare-browser",
      status: "healthy",
      previous_status: null,
      metrics,
      reasons: [],
      at: 42,
    });

    client.send({ type: "unsubscribe", events: ["health_updates"] });
    expect(await client.next((m) => m.type === "unsubscribed")).toEqual({ type: "unsubscribed", events: [], server_ids: {} });
    const before = client.messages.length;
    publishHealth(bus, "cloudflare-browser", "offline");
    await client.sync();
    expect(client.messages.slice(before).map((m) => m.type)).toEqual(["pong"]);
    expect(client.messages.some((m) => m.type === "log")).toBe(false);
  });

  it("delivers every update of a burst published in one turn, in order per server, each server's latest state last", async () => {
    const { bus, wsUrl } = await start();
    const all = await WsTestClient.open(wsUrl);
    const onlyB = await WsTestClient.open(wsUrl);
    all.send({ type: "subscribe", events: ["health_updates"] });
    onlyB.send({ type: "subscribe", events: ["health_updates"], server_ids: ["b"] });
    await all.next((m) => m.type === "subscribed");
    await onlyB.next((m) => m.type === "subscribed");

    // Interleaved servers, status changing at every step: one synchronous burst, as a reload or a
    // round of checks ending together publishes them.
    const published: Array<{ server_id: string; status: "healthy" | "offline"; at: number }> = [];
    for (let i = 0; i < 300; i++) {
      const update = { server_id: ["a", "b", "c"][i % 3]!, status: i % 2 === 0 ? ("healthy" as const) : ("offline" as const), at: i };
      published.push(update);
      publishHealth(bus, update.server_id, update.status, update.at);
    }
    await all.sync();
    await onlyB.sync();
    const received = (client: WsTestClient) =>
      client.messages.filter((m) => m.type === "health_update").map((m) => ({ server_id: m.server_id, status: m.status, at: m.at }));
    expect(received(all)).toEqual(published);
    expect(received(onlyB)).toEqual(published.filter((u) => u.server_id === "b"));
    for (const id of ["a", "b", "c"]) {
      expect(received(all).filter((u) => u.server_id === id).at(-1)).toEqual(published.filter((u) => u.server_id === id).at(-1));
    }
  });

  it("delivers events of every frame length intact: 7-bit, 16-bit and 64-bit lengths, multi-byte text", async () => {
    const { bus, wsUrl } = await start();
    const [client] = (await subscribedClients([wsUrl], ["logs"])) as [WsTestClient];
    const lines = ["short", "é".repeat(50), "x".repeat(60_000), "ü€".repeat(40_000)];
    lines.forEach((line, at) => bus.publish({ type: "server_log", server_id: "a", stream: "stdout", line, at }));
    await client.sync();
    expect(client.messages.filter((m) => m.type === "log").map((m) => m.line)).toEqual(lines);
  });

  it("tells a topic's source when its first subscriber comes and when its last leaves", async () => {
    const { app, bus, wsUrl } = await start();
    const demand: boolean[] = [];
    app.eventHub!.onDemand("metrics", (wanted) => demand.push(wanted));
    const first = await WsTestClient.open(wsUrl);
    const second = await WsTestClient.open(wsUrl);
    first.send({ type: "subscribe", events: ["metrics"] });
    await first.next((m) => m.type === "subscribed");
    second.send({ type: "subscribe", events: ["metrics_activity", "logs"] });
    await second.next((m) => m.type === "subscribed");
    expect(demand).toEqual([true]);

    const figures = { window_s: 60, tool_calls: { per_second: 0.5, calls: 30, errors: 3, error_rate: 10, total: 40 }, restarts_last_hour: 1 };
    bus.publish({ type: "metrics_activity", ...figures, servers: { total: 1, running: 1, by_status: { healthy: 1, warning: 0, critical: 0, unknown: 0, offline: 0 } }, alerts_firing: 0, at: 5 });
    const activity = await second.next((m) => m.type === "metrics_activity");
    expect(activity).toMatchObject({ ...figures, servers: { total: 1, running: 1 }, alerts_firing: 0, at: 5 });

    first.send({ type: "unsubscribe", events: ["metrics"] });
    await first.next((m) => m.type === "unsubscribed");
    expect(demand).toEqual([true]);
    second.ws.close();
    await waitFor(() => (demand.length === 2 ? true : undefined), { timeoutMs: 5000, message: "the last subscriber to leave" });
    expect(demand).toEqual([true, false]);
  });

  it("filters by server_ids and expands * to every event", async () => {
    const { bus, wsUrl } = await start();
    const filtered = await WsTestClient.open(wsUrl);
    const everything = await WsTestClient.open(wsUrl);
    filtered.send({ type: "subscribe", events: ["logs", "config"], server_ids: ["a"] });
    await filtered.next((m) => m.type === "subscribed");
    everything.send({ type: "subscribe", events: ["*"] });
    const ack = await everything.next((m) => m.type === "subscribed");
    expect(ack.events).toEqual(["health_updates", "server_status", "alerts", "capabilities_changed", "logs", "install_progress", "config", "tool_approvals", "evolution", "agents", "metrics"]);

    bus.publish({ type: "server_log", server_id: "b", stream: "stderr", line: "from b", at: 1 });
    bus.publish({ type: "server_log", server_id: "a", stream: "stdout", line: "from a", at: 2 });
    bus.publish({ type: "server_status", server_id: "a", state: "running", previous: "starting", reason: null, pid: 7, restarts: 0, at: 3 });
    bus.publish({
      type: "alert",
      alert_id: "x",
      rule_id: "server-offline",
      server_id: "a",
      severity: "critical",
      state: "firing",
      summary: "a is offline",
      labels: {},
      at: 4,
    });
    bus.publish({ type: "install_progress", server_id: "a", operation: "install", phase: "done", message: "installed", at: 5 });
    bus.publish({ type: "config_rejected", path: "/c.json", problems: ["servers: 2 servers, the limit is 1 (limits.max_servers)"], at: 6 });
    bus.publish({ type: "tool_approval", server_id: "b", tool: "read", state: "held", reasons: ["new on a server whose tools were approved"], by: null, hash: "h", at: 7 });
    await filtered.sync();
    await everything.sync();
    expect(filtered.messages.filter((m) => m.type === "log")).toEqual([{ type: "log", server_id: "a", stream: "stdout", line: "from a", at: 2 }]);
    expect(filtered.messages.some((m) => m.type === "server_status")).toBe(false);
    // About no one server: a server filter does not hold it back.
    expect(filtered.messages.filter((m) => m.type === "config_rejected")).toEqual([
      { type: "config_rejected", path: "/c.json", problems: ["servers: 2 servers, the limit is 1 (limits.max_servers)"], at: 6 },
    ]);
    expect(everything.messages.filter((m) => !["welcome", "subscribed", "pong"].includes(m.type)).map((m) => m.type)).toEqual([
      "log",
      "log",
      "server_status",
      "alert",
      "install_progress",
      "config_rejected",
      "tool_approval",
    ]);
    expect(everything.messages.find((m) => m.type === "server_status")).toEqual({
      type: "server_status",
      server_id: "a",
      state: "running",
      previous: "starting",
      reason: null,
      pid: 7,
      restarts: 0,
      at: 3,
    });
  });

  it("answers bad messages with error frames and keeps the socket open; only an oversized frame closes it", async () => {
    const { bus, wsUrl } = await start();
    const client = await WsTestClient.open(wsUrl);
    const errorAfter = async (send: () => void) => {
      const from = client.messages.length;
      send();
      return client.next((m) => m.type === "error", 5000, from);
    };
    expect(await errorAfter(() => client.send("{nope"))).toMatchObject({ code: "INVALID_JSON" });
    expect(await errorAfter(() => client.send({ type: "dance" }))).toMatchObject({ code: "UNKNOWN_TYPE" });
    expect(await errorAfter(() => client.send({ type: "subscribe", events: ["health_updates", "weather"] }))).toMatchObject({
      code: "UNKNOWN_EVENT",
      events: ["weather"],
    });
    expect(await errorAfter(() => client.send({ type: "subscribe", events: [] }))).toMatchObject({ code: "INVALID_MESSAGE" });
    expect(await errorAfter(() => client.ws.send(Buffer.from([1, 2, 3]), { binary: true }))).toMatchObject({
      code: "INVALID_MESSAGE",
    });

    // Still open and still subscribable; the refused subscribe changed nothing.
    client.send({ type: "subscribe", events: ["health_update"] });
    expect(await client.next((m) => m.type === "subscribed")).toMatchObject({ events: ["health_updates"] });
    publishHealth(bus, "s1", "healthy");
    await client.next((m) => m.type === "health_update");

    client.send(JSON.stringify({ type: "subscribe", events: ["logs"], pad: "x".repeat(70 * 1024) }));
    expect((await client.whenClosed()).code).toBe(1009);
  });

  it("pings clients and terminates one that does not answer, keeping the ones that do", async () => {
    const { app, wsUrl } = await start({ websocket: { pingIntervalMs: 100 } });
    const silent = await WsTestClient.open(wsUrl, { autoPong: false });
    const live = await WsTestClient.open(wsUrl);
    const closed = await silent.whenClosed(5000);
    expect(closed.code).toBe(1006);
    await sleep(300);
    expect(live.closed).toBeUndefined();
    await live.sync();
    expect(app.eventHub?.stats()).toMatchObject({ clients: 1, terminated_unresponsive: 1 });
  });

  it("says going away (1001) to clients when the app closes", async () => {
    const { app, wsUrl } = await start();
    const client = await WsTestClient.open(wsUrl);
    await client.next((m) => m.type === "welcome");
    const closing = app.close();
    expect((await client.whenClosed()).code).toBe(1001);
    await closing;
  });

  it("is documented in the OpenAPI document with its token query parameter", async () => {
    const { url } = await start();
    const document = (await (await fetch(`${url}/docs/json`)).json()) as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string }>; description?: string } }>;
    };
    const route = document.paths["/ws"]?.get;
    expect(route?.description).toContain("subscribe");
    expect(route?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "token", in: "query" })]));
  });

  it("answers a plain GET /ws with a 400 that says to upgrade", async () => {
    const { url } = await start();
    const response = await fetch(`${url}/ws`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("WebSocket");
  });
});

describe("/ws security", () => {
  it("needs a viewer token once tokens exist: header, subprotocol or ?token=, never logged", async () => {
    const { logger, lines } = capturedLogger();
    const { tokens, wsUrl } = await start({ logger });
    const viewer = await tokens.create("dashboard", "viewer");

    await expect(WsTestClient.open(wsUrl)).rejects.toMatchObject({ status: 401 });
    await expect(WsTestClient.open(`${wsUrl}?token=pgf_not-a-real-token`)).rejects.toBeInstanceOf(UpgradeRefused);
    await expect(WsTestClient.open(`${wsUrl}?token=pgf_not-a-real-token`)).rejects.toMatchObject({ status: 401 });

    const byQuery = await WsTestClient.open(`${wsUrl}?token=${encodeURIComponent(viewer.token)}`);
    await byQuery.next((m) => m.type === "welcome");
    const byHeader = await WsTestClient.open(wsUrl, { headers: { authorization: `Bearer ${viewer.token}` } });
    await byHeader.next((m) => m.type === "welcome");
    // As the dashboard does: the token as a subprotocol beside the one the server picks.
    await expect(WsTestClient.open(wsUrl, {}, ["pygent.v1", "pygent.bearer.pgf_not-a-real-token"])).rejects.toMatchObject({ status: 401 });
    const byProtocol = await WsTestClient.open(wsUrl, {}, ["pygent.v1", `pygent.bearer.${viewer.token}`]);
    await byProtocol.next((m) => m.type === "welcome");
    expect(byProtocol.protocol).toBe("pygent.v1");

    const log = lines.join("");
    expect(log).toContain("incoming request");
    expect(log).toContain("token=[redacted]");
    expect(log).not.toContain(viewer.token);
  });

  it("closes a connection whose token is revoked, and one opened while auth was off once it turns on", async () => {
    const { tokens, wsUrl } = await start({ websocket: { authCheckIntervalMs: 100 } });
    const early = await WsTestClient.open(wsUrl);
    await early.next((m) => m.type === "welcome");

    const admin = await tokens.create("admin", "admin");
    const viewer = await tokens.create("dashboard", "viewer");
    expect(await early.whenClosed(5000)).toEqual({ code: UNAUTHORIZED_CLOSE_CODE, reason: "authentication required" });

    const kept = await WsTestClient.open(wsUrl, { headers: { authorization: `Bearer ${admin.token}` } });
    const revoked = await WsTestClient.open(wsUrl, { headers: { authorization: `Bearer ${viewer.token}` } });
    await revoked.next((m) => m.type === "welcome");
    // As `pygent token revoke` does, from another process: straight to the store.
    expect(await tokens.revoke(viewer.id)).toBe(true);
    expect(await revoked.whenClosed(5000)).toEqual({ code: UNAUTHORIZED_CLOSE_CODE, reason: "token revoked" });
    await kept.sync();
    expect(kept.closed).toBeUndefined();
  });

  it("closes a connection once its token expires (4001 token expired)", async () => {
    const clock = new ManualClock(Date.now());
    const { tokens, wsUrl } = await start({ clock, websocket: { authCheckIntervalMs: 1000, pingIntervalMs: 3_600_000 } });
    const lasting = await tokens.create("lasting", "viewer");
    const lapsing = await tokens.create("lapsing", "viewer", undefined, clock.now() + 60_000);
    const kept = await WsTestClient.open(wsUrl, { headers: { authorization: `Bearer ${lasting.token}` } });
    const expiring = await WsTestClient.open(wsUrl, { headers: { authorization: `Bearer ${lapsing.token}` } });
    await expiring.next((m) => m.type === "welcome");
    clock.advance(59_000);
    await expiring.sync();
    expect(expiring.closed).toBeUndefined();
    clock.advance(1000);
    expect(await expiring.whenClosed(5000)).toEqual({ code: UNAUTHORIZED_CLOSE_CODE, reason: "token expired" });
    await kept.sync();
    expect(kept.closed).toBeUndefined();
  });

  it("locks out an address that sent too many bad tokens on upgrades, whatever token it sends next", async () => {
    const { tokens, wsUrl } = await start();
    const viewer = await tokens.create("dashboard", "viewer");
    for (let i = 0; i < 10; i++) {
      await expect(WsTestClient.open(`${wsUrl}?token=pgf_guess${i}`)).rejects.toMatchObject({ status: 401 });
    }
    await expect(WsTestClient.open(`${wsUrl}?token=${encodeURIComponent(viewer.token)}`)).rejects.toMatchObject({ status: 429 });
  });

  it("refuses an upgrade from a foreign Origin or for a foreign Host", async () => {
    const { url, wsUrl } = await start();
    await expect(WsTestClient.open(wsUrl, { origin: "http://evil.example" })).rejects.toMatchObject({ status: 403 });
    await expect(WsTestClient.open(wsUrl, { headers: { host: "evil.example" } })).rejects.toMatchObject({ status: 403 });
    const own = await WsTestClient.open(wsUrl, { origin: url });
    await own.next((m) => m.type === "welcome");
  });

  it("is not rate limited like requests: many upgrades in a row are all accepted", async () => {
    // A limit the upgrades below would exceed four times over if they were counted.
    const { url, wsUrl } = await start({
      security: { rate_limit: { loopback: true, per_address: { burst: 5, per_minute: 1 }, per_token: { burst: 5, per_minute: 1 } } },
    });
    for (let i = 0; i < 20; i++) {
      const client = await WsTestClient.open(wsUrl);
      client.ws.terminate();
    }
    // The limit is in force for requests.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${url}/api/v1/mcp/servers`)).status);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("/ws connection limits", () => {
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it("refuses the upgrade past the per-token and the total limit with 429, and admits again once one closes", async () => {
    const { app, tokens, wsUrl } = await start({ security: { ws_max_connections: 3, ws_max_connections_per_token: 2 } });
    const a = await tokens.create("a", "viewer");
    const b = await tokens.create("b", "viewer");
    const first = await WsTestClient.open(wsUrl, bearer(a.token));
    await WsTestClient.open(wsUrl, bearer(a.token));
    await expect(WsTestClient.open(wsUrl, bearer(a.token))).rejects.toMatchObject({ status: 429 });
    await WsTestClient.open(wsUrl, bearer(b.token));
    await expect(WsTestClient.open(wsUrl, bearer(b.token))).rejects.toMatchObject({ status: 429 });

    first.ws.close();
    await waitFor(() => app.eventHub?.openConnections() === 2, { message: "the closed connection to be counted out" });
    const again = await WsTestClient.open(wsUrl, bearer(b.token));
    await again.next((m) => m.type === "welcome");
  });

  it("counts per client address while auth is off", async () => {
    const { wsUrl } = await start({ security: { ws_max_connections_per_token: 2 } });
    await WsTestClient.open(wsUrl);
    await WsTestClient.open(wsUrl);
    await expect(WsTestClient.open(wsUrl)).rejects.toMatchObject({ status: 429 });
    const other = await WsTestClient.open(wsUrl, { localAddress: "127.0.0.2" });
    await other.next((m) => m.type === "welcome");
  });

  it("holds the limit when many upgrades arrive at once", async () => {
    const { app, wsUrl } = await start({ security: { ws_max_connections_per_token: 2 } });
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => WsTestClient.open(wsUrl)));
    const opened = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    for (const outcome of outcomes) if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ status: 429 });
    expect(opened).toHaveLength(2);
    await Promise.all(opened.map((client) => client.next((m) => m.type === "welcome")));
    expect(app.eventHub?.openConnections()).toBe(2);
  });
});

describe("/ws slow consumers", () => {
  it("drops a client that stops reading once its queue overflows, while another keeps receiving promptly", async () => {
    const { app, bus, wsUrl } = await start({
      websocket: { maxQueuedMessages: 10_000, maxQueuedBytes: 512 * 1024, closeGraceMs: 300 },
    });
    const [slow, fast] = (await subscribedClients([wsUrl, wsUrl], ["logs"])) as [WsTestClient, WsTestClient];
    stopReading(slow);

    const line = "x".repeat(32 * 1024);
    let published = 0;
    const hub = app.eventHub!;
    while (hub.stats().dropped_slow === 0) {
      if (published >= 4000) throw new Error("the slow client was never dropped (published 4000 x 32 KiB)");
      for (let i = 0; i < 20; i++) bus.publish({ type: "server_log", server_id: "a", stream: "stdout", line, at: published++ });
      // The fast client keeps pace with every batch: the slow one does not hold it back.
      const expected = published;
      await waitFor(() => fast.messages.filter((m) => m.type === "log").length === expected, {
        timeoutMs: 5000,
        message: `the fast client to receive ${expected} lines`,
      });
    }
    expect(hub.stats()).toMatchObject({ clients: 1, dropped_slow: 1 });

    // After the drop the fast client still gets new events at once.
    const started = Date.now();
    bus.publish({ type: "server_log", server_id: "a", stream: "stdout", line: "after", at: published });
    await fast.next((m) => m.type === "log" && m.line === "after");
    expect(Date.now() - started).toBeLessThan(2000);
    const at = fast.messages.filter((m) => m.type === "log").map((m) => m.at);
    expect(at).toEqual(Array.from({ length: published + 1 }, (_, i) => i));

    // The dropped client's socket is closed (its close frame is stuck behind unread data, so it
    // is destroyed after the grace period).
    resumeReading(slow);
    const closed = await slow.whenClosed(10_000);
    expect([4008, 1006]).toContain(closed.code);
  });

  it("drops a subscriber whose send buffer passes its bound with 4008 and a log line without its token, while one on the same token keeps receiving", async () => {
    const { logger, lines } = capturedLogger();
    const { app, bus, tokens, wsUrl } = await start({
      logger,
      websocket: { maxQueuedMessages: 1_000_000, maxQueuedBytes: 256 * 1024, closeGraceMs: 300 },
    });
    const viewer = await tokens.create("dashboard", "viewer");
    const url = `${wsUrl}?token=${encodeURIComponent(viewer.token)}`;
    const [slow, reader] = (await subscribedClients([url, url], ["health_updates"])) as [WsTestClient, WsTestClient];
    stopReading(slow);

    const hub = app.eventHub!;
    let published = 0;
    while (hub.stats().dropped_slow === 0) {
      if (published >= 400_000) throw new Error("the slow subscriber was never dropped");
      for (let i = 0; i < 200; i++) publishHealth(bus, `s${i % 7}`, "healthy", published++);
      await waitFor(() => reader.messages.filter((m) => m.type === "health_update").length === published, {
        timeoutMs: 10_000,
        message: `the reader to receive ${published} updates`,
      });
    }
    expect(hub.stats()).toMatchObject({ clients: 1, dropped_slow: 1 });
    publishHealth(bus, "after", "offline", published);
    await reader.next((m) => m.type === "health_update" && m.server_id === "after");
    expect(reader.closed).toBeUndefined();

    const drop = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => String(entry.msg).includes("too slow"));
    expect(drop).toMatchObject({ code: SLOW_CONSUMER_CLOSE_CODE, reason: SLOW_CONSUMER_CLOSE_REASON, detail: expect.stringContaining("bytes queued") });
    expect(lines.join("")).not.toContain(viewer.token);
    resumeReading(slow);
    expect([SLOW_CONSUMER_CLOSE_CODE, 1006]).toContain((await slow.whenClosed(10_000)).code);
  });

  it("drops a client whose unwritten frames pass the message bound, not one that reads a burst", async () => {
    const { app, bus, wsUrl } = await start({ websocket: { maxQueuedMessages: 50, maxQueuedBytes: 64 * 1024 * 1024 } });
    const [slow, reader] = (await subscribedClients([wsUrl, wsUrl], ["health_updates"])) as [WsTestClient, WsTestClient];
    stopReading(slow);
    const hub = app.eventHub!;
    // Bursts of 500 in one tick, ten times the bound: the reader keeps up and stays. Small frames
    // fill the slow client's kernel buffers only after many thousands; keep going until then.
    let published = 0;
    while (hub.stats().dropped_slow === 0) {
      if (published >= 200_000) throw new Error("the slow client was never dropped");
      for (let i = 0; i < 500; i++) publishHealth(bus, "s", "healthy", published++);
      await sleep(1);
    }
    expect(hub.stats()).toMatchObject({ clients: 1, dropped_slow: 1 });
    await waitFor(() => reader.messages.filter((m) => m.type === "health_update").length === published, {
      timeoutMs: 10_000,
      message: `the reader to receive all ${published} updates`,
    });
    expect(reader.closed).toBeUndefined();
  });
});
