/**
 * The rate limit on a real `pygent serve` on loopback: a local client's burst is never refused by
 * default, and `security.rate_limit` in a reloaded config applies without a restart.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

let dir: string;
let config: string;
let daemon: DaemonProcess | undefined;

beforeEach(() => {
  dir = makeTempDir("pygent-rate-");
  config = join(dir, "mcp_server_configs.json");
  writeFileSync(config, JSON.stringify({ servers: [] }));
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  removeTempDir(dir);
});

describe("rate limit on a loopback daemon", () => {
  it("answers a local burst beyond the per-address budget in full, and limits loopback once a reload says so", async () => {
    daemon = await startDaemon(join(dir, "data"), config);
    const url = daemon.url;
    const statuses = await Promise.all(Array.from({ length: 1000 }, async () => (await fetch(`${url}/api/v1/mcp/servers`)).status));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    writeFileSync(
      config,
      JSON.stringify({ servers: [], security: { rate_limit: { loopback: true, per_address: { burst: 3, per_minute: 1 } } } }),
    );
    const refused = await waitFor(
      async () => {
        const response = await fetch(`${url}/api/v1/mcp/servers`);
        const body = (await response.json()) as { error?: { code: string } };
        return response.status === 429 ? { retryAfter: response.headers.get("retry-after"), code: body.error?.code } : undefined;
      },
      { timeoutMs: 20_000, message: "the reloaded config to limit loopback" },
    );
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.code).toBe("RATE_LIMITED");
    expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
  }, 60_000);
});
