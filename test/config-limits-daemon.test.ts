/**
 * The config file's limits and its reload status on a real daemon: disabled entries cost next
 * to nothing (start, API and stop measured against the same daemon with one server), a file over
 * a limit is refused at start and at reload naming the limit, and a refused reload shows in the
 * API, the health report, /ws, an alert and `pygent health` without ever quoting a secret value.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DomainEvent } from "../src/bus/index.js";
import { createLogger, silentLogger, type Logger } from "../src/core/logger.js";
import { createDaemon, type Daemon } from "../src/daemon/daemon.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { runCli } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";
import { closeAll, WsTestClient } from "./helpers/ws-client.js";

const SECRET = "sk-live-c0nf1g-s3cr3t-9f8e7d";

let dir: string;
let daemon: Daemon | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-config-limits-");
});

afterEach(async () => {
  closeAll();
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

function writeConfig(name: string, config: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Start, one API answer and stop of a daemon on `config`, in wall-clock ms. */
async function startAnswerStop(name: string, config: unknown): Promise<number> {
  const configPath = writeConfig(`${name}.json`, config);
  const began = performance.now();
  daemon = await createDaemon({ dataDir: join(dir, `${name}-data`), configPath, host: "127.0.0.1", port: 0, logger: silentLogger() });
  const { url } = await daemon.start();
  await waitFor(
    async () => {
      const answer = await fetch(`${url}/api/v1/mcp/servers/echo`);
      return answer.status === 200 && ((await answer.json()) as { state: string }).state === "running";
    },
    { timeoutMs: 60_000, message: "the enabled server to run, as the API says" },
  );
  await daemon.stop();
  daemon = undefined;
  return performance.now() - began;
}

describe("disabled servers", () => {
  it("cost start, API and stop little more than the one enabled server does alone", async () => {
    const echo = fixtureServer("echo", "echo-server.mjs");
    const disabled = Array.from({ length: 900 }, (_, index) => fixtureServer(`off-${index}`, "echo-server.mjs", { enabled: false }));
    // The first run pays for loading the modules; the baseline is the better of two.
    const baseline = Math.min(await startAnswerStop("one-a", { servers: [echo] }), await startAnswerStop("one-b", { servers: [echo] }));
    const many = await startAnswerStop("many", { servers: [echo, ...disabled] });
    expect(many, `900 disabled servers took ${Math.round(many)} ms, one server alone ${Math.round(baseline)} ms`).toBeLessThan(baseline * 4 + 1000);
  });
});

describe("a config file over a limit", () => {
  const overLimit = { servers: [fixtureServer("a", "echo-server.mjs"), fixtureServer("b", "echo-server.mjs")], limits: { max_servers: 1 } };

  it("stops `pygent serve` at start, naming the limit", async () => {
    const configPath = writeConfig("over.json", overLimit);
    const run = await runCli(["serve", "--port", "0", "--data-dir", join(dir, "data"), "--config", configPath]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("servers: 2 servers, the limit is 1 (limits.max_servers)");
  });
});

/** A JSON logger whose output the test reads. */
function capturedLogger(): { logger: Logger; output: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { logger: createLogger({ destination: stream, format: "json", level: "info" }), output: () => text };
}

interface ConfigStatus {
  file: string;
  result: string;
  at: number;
  problems: string[];
}

describe("a rejected reload", () => {
  it("is shown in the API, the health report, /ws, an alert and `pygent health`, never with the value, until a good reload", async () => {
    const configPath = writeConfig("mcp_server_configs.json", { servers: [fixtureServer("keep", "echo-server.mjs", { enabled: false })] });
    const log = capturedLogger();
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: log.logger });
    const events: DomainEvent[] = [];
    daemon.bus.subscribeAll((event) => events.push(event));
    const { url } = await daemon.start();
    const api = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
    expect(await api<ConfigStatus>("/api/v1/config/status")).toMatchObject({ file: configPath, result: "ok", problems: [] });
    const ws = await WsTestClient.open(`${url.replace(/^http/, "ws")}/ws`);
    ws.send({ type: "subscribe", events: ["config", "alerts"], server_ids: ["keep"] });
    await ws.next((message) => message.type === "subscribed");

    const rejectedAt = events.length;
    writeConfig("mcp_server_configs.json", { servers: [fixtureServer("other", "echo-server.mjs", { env: `API_KEY=${SECRET}` })] });
    const wire = await ws.next((message) => message.type === "config_rejected", 10_000);
    expect(wire.problems).toEqual(['servers[0] (id "other").env: must be a record, not a string']);
    const status = await api<ConfigStatus>("/api/v1/config/status");
    expect(status).toMatchObject({ file: configPath, result: "rejected", problems: wire.problems });
    expect((await api<{ config: ConfigStatus }>("/api/v1/health")).config).toEqual(status);
    expect(daemon.manager.list().map((server) => server.id)).toEqual(["keep"]);
    const alert = await ws.next((message) => message.type === "alert" && message.rule_id === "config-rejected" && message.state === "firing");
    expect(alert.summary).toContain("must be a record, not a string");
    const health = await runCliCaptured(["health"], { PYGENT_URL: url });
    expect(health.stdout).toContain(`config: rejected at ${new Date(status.at).toISOString()}: ${configPath} was refused`);
    expect(health.stdout).toContain('servers[0] (id "other").env: must be a record, not a string');

    writeConfig("mcp_server_configs.json", { servers: [fixtureServer("a", "echo-server.mjs"), fixtureServer("b", "echo-server.mjs")], limits: { max_servers: 1 } });
    const overLimit = await ws.next((message) => message.type === "config_rejected" && message !== wire, 10_000);
    expect(overLimit.problems).toEqual(["servers: 2 servers, the limit is 1 (limits.max_servers)"]);
    expect(daemon.manager.list().map((server) => server.id)).toEqual(["keep"]);

    writeConfig("mcp_server_configs.json", { servers: [fixtureServer("keep", "echo-server.mjs", { enabled: false })] });
    await ws.next((message) => message.type === "config_reloaded", 10_000);
    expect(await api<ConfigStatus>("/api/v1/config/status")).toMatchObject({ result: "ok", problems: [] });
    await ws.next((message) => message.type === "alert" && message.rule_id === "config-rejected" && message.state === "resolved");
    const alerts = await api<{ alerts: unknown[] }>("/api/v1/alerts?state=all");
    expect(JSON.stringify(alerts)).toContain("config-rejected");

    const seen = [JSON.stringify(events.slice(rejectedAt)), JSON.stringify(ws.messages), JSON.stringify(alerts), log.output()];
    for (const text of seen) expect(text).not.toContain(SECRET);
  });
});

describe("literal secrets in a config file others can read", () => {
  it("are warned about at start and by `pygent validate`, naming file, mode and field, never the value", async () => {
    const configPath = writeConfig("mcp_server_configs.json", {
      servers: [fixtureServer("keep", "echo-server.mjs", { enabled: false, env: { API_KEY: SECRET } })],
    });
    chmodSync(configPath, 0o644);
    const log = capturedLogger();
    daemon = await createDaemon({ dataDir: join(dir, "data"), configPath, host: "127.0.0.1", port: 0, logger: log.logger });
    await waitFor(() => log.output().includes("chmod 600"), { timeoutMs: 5000, message: "the warning" });
    expect(log.output()).toContain('"mode":"644"');
    expect(log.output()).toContain("servers[0].env.API_KEY");
    const validate = await runCliCaptured(["validate", "--config", configPath]);
    expect(validate.stderr).toContain(`(mode 644); run chmod 600 ${configPath}`);
    for (const text of [log.output(), validate.stdout, validate.stderr]) expect(text).not.toContain(SECRET);
  });
});
