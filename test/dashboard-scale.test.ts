/**
 * The dashboard at scale, in headless Chromium: a daemon monitors 200 Streamable HTTP servers
 * (the bench's HTTP farm, one process) each checked every 5 s, and the Servers and Overview pages
 * stay live — every server shows healthy, the counts match the daemon's, only the rows on screen
 * drawn on the Servers page — while the page's main
 * thread stays mostly idle: its busy time over a 10 s window, from Chromium's own task accounting
 * (CDP Performance metrics: CPU spent in the renderer's tasks, not a wall-clock guess), is under
 * a quarter of the window.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./helpers/browser.js";
import { ROOT, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";

const SERVERS = 200;
const CHECK_EVERY_S = 5;
const WINDOW_MS = 10_000;
const BUSY_BUDGET = 0.25;

let dir: string;
let farm: ChildProcess | undefined;
let daemon: DaemonProcess | undefined;
let browser: Browser | undefined;

/** The bench's helper: SERVERS small MCP servers on one loopback port, /mcp/0 ... /mcp/199. */
async function startFarm(): Promise<number> {
  farm = fork(join(ROOT, "bench/lib/http-farm.mjs"), [String(SERVERS), "0"], { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let out = "";
  farm.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return waitFor(() => Number(/listening (\d+)/.exec(out)?.[1]) || undefined, { timeoutMs: 30_000, message: "the HTTP farm to listen" });
}

beforeAll(async () => {
  dir = makeTempDir("pygent-dashboard-scale-");
  const port = await startFarm();
  const servers = Array.from({ length: SERVERS }, (_, i) => ({
    id: `http-${String(i).padStart(3, "0")}`,
    transport: "http",
    url: `http://127.0.0.1:${port}/mcp/${i}`,
    health_check_interval: CHECK_EVERY_S,
  }));
  const config = join(dir, "mcp_server_configs.json");
  writeFileSync(config, JSON.stringify({ servers }));
  daemon = await startDaemon(join(dir, "data"), config);
  await waitFor(
    async () => {
      const { body } = await daemon!.api<{ servers: { state: string }[] }>("/api/v1/mcp/servers?limit=1000");
      return body.servers.filter((server) => server.state === "running").length === SERVERS ? true : undefined;
    },
    { timeoutMs: 120_000, message: `${SERVERS} servers running` },
  );
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  if (farm && farm.exitCode === null) {
    const exited = once(farm, "exit");
    farm.kill("SIGTERM");
    await exited;
  }
  removeTempDir(dir);
});

/** The share of `windowMs` the page's main thread spent running tasks (Chromium's TaskDuration). */
async function busyShare(page: Page, windowMs: number): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const read = async (): Promise<Map<string, number>> => new Map((await cdp.send("Performance.getMetrics")).metrics.map((metric) => [metric.name, metric.value]));
  const before = await read();
  await page.waitForTimeout(windowMs);
  const after = await read();
  await cdp.detach();
  const elapsed = after.get("Timestamp")! - before.get("Timestamp")!;
  return (after.get("TaskDuration")! - before.get("TaskDuration")!) / elapsed;
}

describe("the dashboard with 200 servers reporting every 5 s", () => {
  it("keeps every server's status live on the Servers page with its main thread mostly idle", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/servers`);
    await page.locator('[data-testid="server-http-000"] [data-status="healthy"]').waitFor({ timeout: 60_000 });
    const busy = await busyShare(page, WINDOW_MS);
    expect(busy, `main thread busy ${(busy * 100).toFixed(1)} % of the window`).toBeLessThan(BUSY_BUDGET);
    // Only the rows on screen are drawn; each shows the status the daemon reports.
    const drawn = await page.locator('tbody tr[data-testid^="server-"]').count();
    expect(drawn).toBeLessThan(SERVERS / 2);
    expect(await page.locator('tbody [data-testid="status"][data-status="healthy"]').count()).toBe(drawn);
    // Kept up: the last row is there, healthy, once scrolled to.
    await page.evaluate("scrollTo(0, document.documentElement.scrollHeight)");
    await page.locator('[data-testid="server-http-199"] [data-status="healthy"]').waitFor({ timeout: 10_000 });
    await page.close();
  }, 120_000);

  it("keeps the Overview's counts equal to the daemon's, with its main thread mostly idle", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/`);
    const healthyTile = page.locator('[data-testid="status-counts"] .tile-healthy .tile-count');
    await expect.poll(async () => healthyTile.textContent(), { timeout: 60_000 }).toBe(String(SERVERS));
    const busy = await busyShare(page, WINDOW_MS);
    expect(busy, `main thread busy ${(busy * 100).toFixed(1)} % of the window`).toBeLessThan(BUSY_BUDGET);
    expect(await healthyTile.textContent()).toBe(String(SERVERS));
    await page.close();
  }, 120_000);
});
