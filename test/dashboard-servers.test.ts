/**
 * The Servers page in headless Chromium against a real daemon: each running server shows its
 * response time, CPU, memory and uptime; the filter (words, status) and the sort (a heading, or
 * the Sort select) reorder the table; a server is added from the form — the daemon's refusal
 * of an empty id and command shown at those fields first — then appears, turns healthy, and is
 * removed after a confirmation, its process gone.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./helpers/browser.js";
import { startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { fixturePath, makeTempDir, removeTempDir } from "./helpers/processes.js";

const SLOW_MS = 30_000;

let dir: string;
let daemon: DaemonProcess | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  dir = makeTempDir("pygent-dashboard-servers-");
  const config = join(dir, "mcp_server_configs.json");
  const servers = ["alpha", "bravo", "charlie"].map((id) => fixtureServer(id, "echo-server.mjs", { name: id[0]!.toUpperCase() + id.slice(1), health_check_interval: 1 }));
  writeFileSync(config, JSON.stringify({ servers }));
  daemon = await startDaemon(join(dir, "data"), config);
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  removeTempDir(dir);
});

const rowIds = (page: Page): Promise<string[]> =>
  page.locator('tbody tr[data-testid^="server-"]').evaluateAll((rows) => rows.map((row) => row.getAttribute("data-testid")!.slice("server-".length)));

describe("the Servers page", () => {
  it("shows each server's figures, filters by words and status, and sorts", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/servers`);
    for (const id of ["alpha", "bravo", "charlie"]) {
      await page.locator(`[data-testid="server-${id}"] [data-status="healthy"]`).waitFor({ timeout: SLOW_MS });
    }
    // Figures from the checks: a response time in ms (with its trend once there are two), CPU, memory, uptime.
    await expect.poll(() => page.locator('[data-testid="server-alpha"] [data-testid="response"]').textContent(), { timeout: SLOW_MS }).toMatch(/^\d+ ms$/);
    await page.locator('[data-testid="server-alpha"] .sparkline canvas').waitFor({ timeout: SLOW_MS });
    const alpha = page.locator('[data-testid="server-alpha"]');
    await expect.poll(() => alpha.locator('td[data-label="Memory"]').textContent(), { timeout: SLOW_MS }).toMatch(/^\d+\.\d MB$/);
    expect(await alpha.locator('td[data-label="CPU"]').textContent()).toMatch(/^\d+\.\d %$/);
    expect(await alpha.locator('td[data-label="Uptime 24 h"]').textContent()).toMatch(/^\d+\.\d %$/);

    await expect.poll(() => rowIds(page)).toEqual(["alpha", "bravo", "charlie"]);
    await page.getByRole("button", { name: "Server", exact: true }).click();
    await expect.poll(() => rowIds(page)).toEqual(["charlie", "bravo", "alpha"]);
    expect(await page.locator("th", { has: page.getByRole("button", { name: "Server", exact: true }) }).getAttribute("aria-sort")).toBe("descending");
    await page.getByLabel("Sort by").selectOption("name:asc");
    await expect.poll(() => rowIds(page)).toEqual(["alpha", "bravo", "charlie"]);

    await page.getByLabel("Filter", { exact: true }).fill("rav");
    await expect.poll(() => rowIds(page)).toEqual(["bravo"]);
    await expect.poll(() => page.getByTestId("servers-count").textContent()).toBe("1 of 3 shown");
    await page.getByLabel("Filter", { exact: true }).fill("");

    // Stopped, charlie is offline: the status filter finds it alone.
    const charlie = page.locator('[data-testid="server-charlie"]');
    await charlie.getByRole("button", { name: "Stop Charlie" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Stop" }).click();
    await charlie.locator('[data-status="offline"]').waitFor({ timeout: SLOW_MS });
    await page.getByLabel("Status").selectOption("offline");
    await expect.poll(() => rowIds(page)).toEqual(["charlie"]);
    await page.getByLabel("Status").selectOption("");
    await page.close();
  }, 120_000);

  it("adds a server from the form, naming the fields the daemon refuses, and removes it after a confirmation", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/servers`);
    await page.locator('[data-testid="server-alpha"]').waitFor({ timeout: SLOW_MS });
    await page.getByRole("button", { name: "Add a server" }).click();
    const form = page.locator("form.add-server");
    await form.getByRole("button", { name: "Add and start" }).click();
    await expect.poll(() => form.getByLabel("Id").getAttribute("aria-invalid"), { timeout: SLOW_MS }).toBe("true");
    expect(await form.locator("#add-server-id-error").textContent()).toMatch(/empty/);
    expect(await form.getByLabel("Program").getAttribute("aria-invalid")).toBe("true");
    expect(await form.locator("#add-server-program-error").textContent()).toMatch(/required|empty/);

    await form.getByLabel("Id").fill("delta");
    await form.getByLabel("Name (optional)").fill("Delta");
    await form.getByLabel("Program").fill(process.execPath);
    await form.getByLabel("Arguments, one per line").fill(fixturePath("echo-server.mjs"));
    await form.getByRole("button", { name: "Add and start" }).click();
    const delta = page.locator('[data-testid="server-delta"]');
    await delta.locator('[data-status="healthy"]').waitFor({ timeout: SLOW_MS });
    const { body } = await daemon!.api<{ pid: number; source: string }>("/api/v1/mcp/servers/delta");
    expect(body.source).toBe("api");
    // A server from the config file has no Remove; one added here has.
    expect(await page.locator('[data-testid="server-alpha"]').getByRole("button", { name: /^Remove/ }).count()).toBe(0);
    await delta.getByRole("button", { name: "Remove Delta" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await delta.waitFor({ state: "detached", timeout: SLOW_MS });
    expect((await daemon!.api("/api/v1/mcp/servers/delta")).status).toBe(404);
    expect(() => process.kill(body.pid, 0)).toThrow();
    await page.close();
  }, 120_000);
});
