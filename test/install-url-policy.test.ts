/**
 * The SSRF guard for remote servers added through the API or installed from the catalog: the
 * policy itself (addresses, IPv4-in-IPv6 forms, schemes, credentials, host names resolving to
 * forbidden addresses), and the MCP manager applying it — at registration for a literal address
 * (URL_NOT_ALLOWED) and at connect time for a resolved one (a permanent start failure), while
 * config-file servers stay the operator's business.
 */
import type { ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InProcessBus } from "../src/bus/index.js";
import { parseServer } from "../src/config/validate.js";
import { systemClock } from "../src/core/clock.js";
import { AppError } from "../src/core/errors.js";
import { newId } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import {
  checkUrl,
  classifyAddress,
  createMcpManager,
  STRICT_NETWORK_POLICY,
  systemLookup,
  urlLiteralProblem,
  type HostLookup,
  type McpManager,
  type NetworkPolicy,
} from "../src/mcp/index.js";
import { openStore, type Store } from "../src/store/index.js";
import { serveEverything } from "./helpers/http-servers.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const LOOPBACK_OK: NetworkPolicy = { allow_loopback: true, allow_private: false };
const PRIVATE_OK: NetworkPolicy = { allow_loopback: false, allow_private: true };
const OPEN: NetworkPolicy = { allow_loopback: true, allow_private: true };

async function refusal(url: string, policy: NetworkPolicy = STRICT_NETWORK_POLICY, lookup?: HostLookup): Promise<AppError> {
  try {
    await checkUrl(url, policy, lookup);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${url} was allowed`);
}

/** A resolver that answers from a table, as DNS would for a hostile name. */
function fakeDns(table: Record<string, string[]>): HostLookup {
  return async (hostname) => {
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return found;
  };
}

describe("address classes", () => {
  it.each([
    ["169.254.169.254", "metadata"],
    ["169.254.170.2", "metadata"],
    ["100.100.100.200", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.1.1", "private"],
    ["100.64.0.1", "private"],
    ["0.0.0.0", "private"],
    ["::", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fe80::1", "private"],
    ["192.0.2.10", "private"],
    ["198.51.100.7", "private"],
    ["203.0.113.254", "private"],
    ["2001:db8::1", "private"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["ff02::1", "reserved"],
    ["8.8.8.8", "public"],
    ["172.32.0.1", "public"],
    ["203.0.114.1", "public"],
    ["100.128.0.1", "public"],
    ["2606:4700::1111", "public"],
  ])("%s is %s", (address, kind) => {
    expect(classifyAddress(address).kind).toBe(kind);
  });

  it.each([
    ["::ffff:127.0.0.1", "127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "127.0.0.1", "loopback"],
    ["0:0:0:0:0:ffff:7f00:0001", "127.0.0.1", "loopback"],
    ["::ffff:a9fe:a9fe", "169.254.169.254", "metadata"],
    ["::ffff:10.0.0.1", "10.0.0.1", "private"],
    ["::ffff:0:7f00:1", "127.0.0.1", "loopback"],
    ["::127.0.0.1", "127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "169.254.169.254", "metadata"],
    ["2002:7f00:1::", "127.0.0.1", "loopback"],
    ["::ffff:8.8.8.8", "8.8.8.8", "public"],
  ])("unwraps %s to %s (%s)", (address, effective, kind) => {
    expect(classifyAddress(address)).toEqual({ kind, effective });
  });
});

describe("checkUrl", () => {
  it("refuses cloud metadata addresses and names whatever the policy says", async () => {
    for (const url of [
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/",
      "http://100.100.100.200/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://METADATA.google.internal./",
      "http://[::ffff:169.254.169.254]/",
    ]) {
      const error = await refusal(url, OPEN);
      expect(error.code, url).toBe("URL_NOT_ALLOWED");
      expect(error.message, url).toMatch(/metadata/);
    }
  });

  it("refuses private ranges unless allow_private", async () => {
    for (const url of ["http://10.0.0.1/mcp", "http://192.168.0.10:8080/sse", "http://172.20.1.1/", "http://[fc00::1]/", "http://100.64.1.1/", "http://0.0.0.0:3000/"]) {
      expect((await refusal(url)).message, url).toMatch(/private/);
      await expect(checkUrl(url, PRIVATE_OK), url).resolves.toBeUndefined();
    }
  });

  it("refuses loopback in every spelling unless allow_loopback", async () => {
    for (const url of [
      "http://127.0.0.1:8000/mcp",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/",
      "http://2130706433/", // the WHATWG parser reads this as 127.0.0.1
      "http://0x7f.1/",
      "http://localhost:3000/mcp",
      "http://api.localhost/",
    ]) {
      const error = await refusal(url);
      expect(error.message, url).toMatch(/loopback/);
      // *.localhost need not resolve here; when it does, it is to loopback.
      await expect(checkUrl(url, LOOPBACK_OK, async () => ["127.0.0.1"]), url).resolves.toBeUndefined();
    }
  });

  it("refuses schemes other than http(s) and credentials in the URL", async () => {
    expect((await refusal("file:///etc/passwd", OPEN)).message).toMatch(/only http and https/);
    expect((await refusal("ftp://example.com/", OPEN)).message).toMatch(/only http and https/);
    expect((await refusal("gopher://example.com/", OPEN)).message).toMatch(/only http and https/);
    expect((await refusal("https://user:pw@example.com/mcp", OPEN)).message).toMatch(/credentials/);
    expect((await refusal("not a url", OPEN)).message).toMatch(/not an absolute URL/);
  });

  it("checks every address a host name resolves to", async () => {
    const dns = fakeDns({
      "rebind.example": ["93.184.216.34", "127.0.0.1"],
      "internal.example": ["10.1.2.3"],
      "metadata.example": ["::ffff:169.254.169.254"],
      "public.example": ["93.184.216.34", "2606:2800:220:1::1"],
    });
    expect((await refusal("https://rebind.example/mcp", STRICT_NETWORK_POLICY, dns)).message).toMatch(/rebind\.example resolves to 127\.0\.0\.1 is a loopback/);
    expect((await refusal("https://internal.example/mcp", STRICT_NETWORK_POLICY, dns)).message).toMatch(/private/);
    expect((await refusal("https://metadata.example/", OPEN, dns)).message).toMatch(/metadata/);
    await expect(checkUrl("https://public.example/mcp", STRICT_NETWORK_POLICY, dns)).resolves.toBeUndefined();
  });

  it("refuses a host name that really resolves to loopback or a private address (system resolver)", async (ctx) => {
    // This machine's own name is not caught by the literal check; only the lookup can tell.
    const name = hostname();
    const addresses = await systemLookup(name).catch(() => [] as string[]);
    if (!addresses.some((address) => ["loopback", "private"].includes(classifyAddress(address).kind))) ctx.skip();
    const error = await refusal(`http://${name}:8000/mcp`);
    expect(error.message).toMatch(new RegExp(`${name} resolves to .* (loopback|private)`));
    expect((await refusal("http://localhost./mcp")).message).toMatch(/loopback/);
  });

  it("does not repeat the URL's path or query, which may carry a token", async () => {
    const error = await refusal("http://10.0.0.1/mcp?api_key=sekrit-value");
    expect(error.message).not.toContain("sekrit-value");
    expect(JSON.stringify(error.details)).not.toContain("sekrit-value");
  });

  it("gives the literal problem without DNS for registration-time checks", () => {
    expect(urlLiteralProblem("http://169.254.169.254/", OPEN)).toMatch(/metadata/);
    expect(urlLiteralProblem("http://[::ffff:7f00:1]/", STRICT_NETWORK_POLICY)).toMatch(/127\.0\.0\.1.*loopback/);
    expect(urlLiteralProblem("https://mcp.example.com/mcp", STRICT_NETWORK_POLICY)).toBeUndefined();
  });
});

// ---- the manager applying the policy -----------------------------------------------------------

let dir: string;
let store: Store;
const managers: McpManager[] = [];
const children: ChildProcess[] = [];

function manager(network: NetworkPolicy, resolveHost?: HostLookup): McpManager {
  const created = createMcpManager({
    clock: systemClock,
    bus: new InProcessBus(),
    store,
    logger: silentLogger(),
    daemonInstance: newId(),
    network,
    ...(resolveHost ? { resolveHost } : {}),
  });
  managers.push(created);
  return created;
}

beforeEach(() => {
  dir = makeTempDir("pygent-urlpolicy-");
  store = openStore(dir, systemClock);
});

afterEach(async () => {
  for (const created of managers.splice(0)) await created.stop();
  store.close();
  for (const child of children.splice(0)) if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  removeTempDir(dir);
});

describe("the manager's network policy", () => {
  it("refuses API registration of a literal forbidden address with URL_NOT_ALLOWED, naming the field", async () => {
    const m = manager(STRICT_NETWORK_POLICY);
    await m.start();
    for (const url of ["http://169.254.169.254/mcp", "http://10.0.0.1/mcp", "http://[::ffff:7f00:1]/mcp", "http://localhost:9/mcp"]) {
      const error = await m.registerServer("remote", { url }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, url).toBeInstanceOf(AppError);
      expect((error as AppError).code, url).toBe("URL_NOT_ALLOWED");
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).details).toMatchObject({ issues: [{ field: "url" }] });
    }
    expect(m.list()).toEqual([]);
    expect(await store.servers.list()).toEqual([]);
  });

  it("refuses at connect time a host name resolving to loopback: a permanent failure with the reason", async () => {
    const { port } = await serveEverything(children);
    const dns = fakeDns({ "innocent.example": ["127.0.0.1"] });
    const m = manager(STRICT_NETWORK_POLICY, dns);
    await m.start();
    const view = await m.registerServer("sneaky", { url: `http://innocent.example:${port}/mcp`, restart_backoff_initial: 0.1 });
    expect(view.state).toBe("failed");
    expect(view.reason).toMatch(/refused by the network policy: innocent\.example resolves to 127\.0\.0\.1 is a loopback address/);
  });

  it("connects to the same server once allow_loopback is set, and never checks config-file servers", async () => {
    const { port } = await serveEverything(children);
    const allowed = manager(LOOPBACK_OK);
    await allowed.start();
    const view = await allowed.registerServer("local", { url: `http://127.0.0.1:${port}/mcp` });
    expect(view.state).toBe("running");
    await allowed.removeServer("local");

    const strict = manager(STRICT_NETWORK_POLICY);
    await strict.applyConfig([parseServer({ id: "operator", url: `http://127.0.0.1:${port}/mcp` })]);
    await strict.start();
    const running = await waitFor(() => (strict.get("operator").state === "running" ? strict.get("operator") : undefined), {
      timeoutMs: 15_000,
      message: "config-file server running",
    });
    expect(running.source).toBe("config");
  });
});
