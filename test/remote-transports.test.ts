/**
 * Remote servers: the official `server-everything` served over Streamable HTTP and over SSE on a
 * loopback port, supervised through the same manager as stdio servers; a remote that restarts,
 * goes away or expires its session is reconnected with a new session through backoff.
 */
import type { ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InProcessBus } from "../src/bus/index.js";
import { parseServer } from "../src/config/validate.js";
import { systemClock } from "../src/core/clock.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import { createMcpManager, STRICT_NETWORK_POLICY, type McpManager } from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { serveEverything, serveHttp } from "./helpers/http-servers.js";
import { freePort } from "./helpers/network.js";
import { selfSignedCertificate } from "./helpers/tls-certificate.js";
import { fixturePath, makeTempDir, removeTempDir, waitFor, waitForExit } from "./helpers/processes.js";

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch (error) {
    // Already gone (a test killed it on purpose); anything else is a real failure.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function kill(child: ChildProcess): Promise<void> {
  killGroup(child);
  await waitForExit(child.pid!, 10_000);
}

/** Waits until the server is running again after `restarts` restarts. */
function runningAgain(id: string, restarts: number) {
  return waitFor(() => {
    const current = manager.get(id);
    return current.state === "running" && current.restarts >= restarts ? current : undefined;
  }, { timeoutMs: 30_000, message: `${id} running again` });
}

/** Backoff short and unbounded enough to outlast a remote that is down for a few seconds. */
const RECONNECT = { restart_backoff_initial: 0.2, restart_backoff_max: 1, restart_max_failures: 1000 };

let dir: string;
let store: Store;
let manager: McpManager;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = makeTempDir("pygent-remote-");
  store = openStore(dir, systemClock);
  manager = createMcpManager({ clock: systemClock, bus: new InProcessBus(), store, logger: silentLogger(), daemonInstance: newId() });
});

afterEach(async () => {
  await manager.stop();
  store.close();
  for (const child of children.splice(0)) killGroup(child);
  removeTempDir(dir);
});

// A remote restarted mid-test takes a process start or two plus backoff: more than the 30 s default on a loaded machine.
describe("remote transports", { timeout: 90_000 }, () => {
  for (const [mode, transport, path] of [
    ["streamableHttp", "http", "/mcp"],
    ["sse", "sse", "/sse"],
  ] as const) {
    it(`connects to server-everything over ${transport} and calls a tool`, async () => {
      const { port } = await serveEverything(children, mode);
      await manager.applyConfig([parseServer({ id: `remote-${transport}`, transport, url: `http://127.0.0.1:${port}${path}` })]);
      await manager.start();
      const view = await waitFor(() => {
        const current = manager.get(`remote-${transport}`);
        return current.state === "running" ? current : undefined;
      }, { timeoutMs: 15_000, message: "remote server running" });
      expect(view.transport).toBe(transport);
      expect(view.pid).toBeNull();
      expect(view.tools_count).toBeGreaterThan(0);
      const result = await manager.callTool(`remote-${transport}`, "echo", { message: `over ${transport}` });
      expect(JSON.stringify(result.content)).toContain(`over ${transport}`);
      expect(await manager.ping(`remote-${transport}`)).toBeGreaterThanOrEqual(0);
    });
  }

  for (const [mode, transport, path, loss] of [
    // Refused while it is down, or the session unknown to the new process.
    ["streamableHttp", "http", "/mcp", /^session lost: (connection refused|connection lost|session (expired|lost))/],
    // The event stream breaks with the process; the SDK's EventSource would otherwise slip into
    // a new, uninitialized session of the new process without a word.
    ["sse", "sse", "/sse", /^session lost: SSE stream lost: /],
  ] as const) {
    it(`reconnects with a new session when server-everything restarts on the same port (${transport})`, async () => {
      const first = await serveEverything(children, mode);
      const id = `restarts-${transport}`;
      await manager.applyConfig([parseServer({ id, transport, url: `http://127.0.0.1:${first.port}${path}`, ...RECONNECT })]);
      await manager.start();
      await runningAgain(id, 0);
      await kill(first.child);
      await serveEverything(children, mode, first.port);
      // Streamable HTTP finds out when its event stream cannot reopen or on its next request (the
      // new process knows no session); the SSE stream ends with the process. (An SSE request to
      // the old endpoint would go unanswered, so only HTTP is asked.)
      if (transport === "http") await manager.ping(id).catch(() => undefined);
      const view = await runningAgain(id, 1);
      const logs = manager.logs(id).map((line) => line.line);
      expect(logs.find((line) => line.startsWith("session lost: "))).toMatch(loss);
      expect(logs).toContain(`reconnecting with a new session (restart ${view.restarts})`);
      const result = await manager.callTool(id, "echo", { message: "after the restart" });
      expect(JSON.stringify(result.content)).toContain("after the restart");
    });
  }

  it("never shows an idle remote that went away as running, and reconnects when it is back", async () => {
    const first = await serveEverything(children, "streamableHttp");
    await manager.applyConfig([parseServer({ id: "away", url: `http://127.0.0.1:${first.port}/mcp`, ...RECONNECT })]);
    await manager.start();
    await runningAgain("away", 0);
    await kill(first.child);
    // No request is made: the transport's own attempt to reopen its event stream finds it gone.
    await waitFor(() => manager.get("away").state !== "running", { timeoutMs: 30_000, message: "away to leave running" });
    // Refused, or reset on a kept-alive socket of the process that died.
    expect(manager.logs("away").some((line) => /^session lost: connection (refused|lost) \(E/.test(line.line))).toBe(true);
    // Every reconnect attempt while it is down fails; none may show it running.
    await waitFor(() => manager.get("away").restarts >= 2, { timeoutMs: 30_000, message: "failed reconnects" });
    expect(manager.get("away").state).not.toBe("running");
    await serveEverything(children, "streamableHttp", first.port);
    await runningAgain("away", 2);
    expect(await manager.ping("away")).toBeGreaterThanOrEqual(0);
  });

  it("opens a new session when the server answers 404 to an expired one", async () => {
    const { port } = await serveHttp(children, [fixturePath("expiring-sessions-http.mjs")], 0, "expiring-sessions server");
    await manager.applyConfig([parseServer({ id: "expiring", url: `http://127.0.0.1:${port}/mcp`, ...RECONNECT })]);
    await manager.start();
    await runningAgain("expiring", 0);
    const expired = await fetch(`http://127.0.0.1:${port}/expire-sessions`, { method: "POST" });
    expect(expired.status).toBe(204);
    // The 404 ends the session at once, so the ping fails with it or with the closed connection.
    await expect(manager.ping("expiring")).rejects.toThrow();
    const view = await runningAgain("expiring", 1);
    expect(view.restarts).toBe(1);
    const logs = manager.logs("expiring").map((line) => line.line);
    expect(logs.some((line) => line.startsWith("session lost: session expired: the server answered 404"))).toBe(true);
    expect(logs).toContain("reconnecting with a new session (restart 1)");
    const result = await manager.callTool("expiring", "echo", { text: "new session" });
    expect(JSON.stringify(result.content)).toContain("new session");
  });

  it("fails a connected remote server whose URL a tightened network policy refuses, never leaving it running", async () => {
    const { port } = await serveEverything(children, "streamableHttp");
    // Registered through the API, the path the network policy guards; loopback allowed for now.
    manager.setNetworkPolicy({ allow_loopback: true, allow_private: false });
    await manager.start();
    const registered = await manager.registerServer("tightened", { transport: "http", url: `http://127.0.0.1:${port}/mcp`, ...RECONNECT });
    expect(registered.state).toBe("running");
    // A config reload that no longer allows loopback: the next request is refused, and so would
    // be every one after it and any reconnect.
    manager.setNetworkPolicy(STRICT_NETWORK_POLICY);
    await expect(manager.callTool("tightened", "echo", { message: "refused" })).rejects.toThrow(/refused by the network policy/);
    const view = await waitFor(() => {
      const current = manager.get("tightened");
      return current.state === "running" || current.state === "starting" ? undefined : current;
    }, { timeoutMs: 15_000, message: "tightened to leave running" });
    expect(view.state).toBe("failed");
    expect(view.reason).toMatch(/^refused by the network policy: 127\.0\.0\.1 is a loopback address/);
    expect(view.restarts).toBe(0);
    expect(manager.logs("tightened").some((line) => line.line.startsWith("session lost: refused by the network policy: "))).toBe(true);
  });

  /** Waits for the server to be in backoff after its first failed start. */
  function inBackoff(id: string) {
    return waitFor(() => {
      const current = manager.get(id);
      return current.state === "backoff" ? current : undefined;
    }, { timeoutMs: 15_000, message: `${id} in backoff` });
  }

  for (const [transport, path] of [["http", "/mcp"], ["sse", "/sse"]] as const) {
    it(`puts an unreachable remote server in backoff with the socket error as the reason (${transport})`, async () => {
      const port = await freePort();
      await manager.applyConfig([parseServer({ id: "gone", transport, url: `http://127.0.0.1:${port}${path}`, restart_backoff_initial: 5 })]);
      await manager.start();
      const view = await inBackoff("gone");
      const refused = `fetch failed: connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED)`;
      expect(view.reason).toContain(refused);
      expect(manager.logs("gone").some((line) => line.line.includes(refused))).toBe(true);
    });
  }

  describe("over HTTPS with a self-signed certificate", () => {
    async function serveHttps(): Promise<{ url: string; certFile: string }> {
      const { certFile, keyFile } = selfSignedCertificate(dir);
      const { port } = await serveHttp(children, [fixturePath("expiring-sessions-http.mjs")], 0, "https server", {
        TLS_CERT_FILE: certFile,
        TLS_KEY_FILE: keyFile,
      });
      return { url: `https://127.0.0.1:${port}/mcp`, certFile };
    }

    for (const transport of ["http", "sse"] as const) {
      it(`names the TLS error when the certificate is not trusted (${transport})`, async () => {
        const { url } = await serveHttps();
        await manager.applyConfig([parseServer({ id: "untrusted", transport, url, restart_backoff_initial: 5 })]);
        await manager.start();
        const view = await inBackoff("untrusted");
        expect(view.reason).toContain("fetch failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)");
      });
    }

    it("connects and calls a tool when the server's tls.ca_file trusts the certificate", async () => {
      const { url, certFile } = await serveHttps();
      await manager.applyConfig([parseServer({ id: "trusted", url, tls: { ca_file: certFile } })]);
      await manager.start();
      await waitFor(() => manager.get("trusted").state === "running", { timeoutMs: 15_000, message: "trusted server running" });
      const result = await manager.callTool("trusted", "echo", { text: "over https" });
      expect(JSON.stringify(result.content)).toContain("over https");
    });
  });
});
