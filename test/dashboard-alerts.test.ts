/**
 * The Alerts page in headless Chromium against a real daemon, real MCP servers and a real webhook
 * receiver on 127.0.0.1: a killed server's alert appears live and is acknowledged (by keyboard); a silence made
 * on the page (after the daemon named a bad field at the field) keeps the next alert on the page,
 * marked silenced, while the webhook hears nothing of it; expiring the silence delivers it; a
 * rule's threshold is edited. Screenshots at 1280×800 and 390×844 go to test-results/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "../src/core/clock.js";
import { launchBrowser } from "./helpers/browser.js";
import { ROOT, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { makeTempDir, removeTempDir, waitFor } from "./helpers/processes.js";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver.js";

const RESULTS = join(ROOT, "test-results");
const SLOW_MS = 30_000;

/** What the test started, ended in reverse order whatever happens. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let daemon: DaemonProcess;
let receiver: WebhookReceiver;

/** A server that stays down once killed, checked every second. */
const server = (id: string, name: string) => fixtureServer(id, "echo-server.mjs", { name, health_check_interval: 1, auto_restart: false });

async function kill(id: string): Promise<void> {
  const view = await daemon.api<{ pid: number }>(`/api/v1/mcp/servers/${id}`);
  process.kill(view.body.pid, "SIGKILL");
}

/** The firing "Server down" alert of a server. */
function downAlert(page: Page, serverId: string) {
  return page.locator(`li[data-server="${serverId}"]`, { has: page.getByText("Server down", { exact: true }) });
}

const heardOf = (serverId: string): boolean =>
  receiver.accepted().some((notification) => notification.alerts.some((alert) => alert.server_id === serverId));

describe("the Alerts page", () => {
  it("shows an alert live, acknowledges it, and a silence made on the page keeps the next one off the webhook while it shows", async () => {
    mkdirSync(RESULTS, { recursive: true });
    const dir = makeTempDir("pygent-dashboard-alerts-");
    cleanups.push(() => removeTempDir(dir));
    receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.stop());
    const config = join(dir, "mcp_server_configs.json");
    writeFileSync(
      config,
      JSON.stringify({
        servers: [server("billing", "Billing"), server("search", "Search")],
        alerts: {
          group_wait: 0.2,
          group_interval: 0,
          rules: [{ id: "down", name: "Server down", metric: "status", comparison: "==", threshold: "offline", for: 0, severity: "critical", resolve_after_checks: 1 }],
          channels: [{ type: "websocket" }, { type: "webhook", url: receiver.url, retry_initial_delay: 0.05 }],
        },
      }),
    );
    daemon = await startDaemon(join(dir, "data"), config);
    cleanups.push(() => daemon.stop());
    const created = await daemon.api("/api/v1/alerts/rules", {
      method: "POST",
      body: JSON.stringify({ id: "slow", name: "Slow answers", metric: "response_time_ms", comparison: ">", threshold: 2000, for: 60 }),
    });
    expect(created.status).toBe(201);

    const browser = await launchBrowser({ width: 1280, height: 800 });
    cleanups.push(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(daemon.url);
    await page.getByRole("link", { name: "Alerts", exact: true }).click();
    await page.getByText("Nothing is firing.").waitFor({ timeout: SLOW_MS });
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: SLOW_MS });

    await kill("billing");
    const billingAlert = downAlert(page, "billing");
    await billingAlert.waitFor({ timeout: SLOW_MS });
    await waitFor(() => heardOf("billing"), { timeoutMs: SLOW_MS, message: "the webhook to hear of the billing alert" });
    // By keyboard: the button takes focus and Enter presses it.
    await billingAlert.getByRole("button", { name: "Acknowledge Server down on billing" }).focus();
    await page.keyboard.press("Enter");
    await billingAlert.getByTestId("acked").getByText("Acknowledged by dashboard").waitFor();
    expect(await billingAlert.getByRole("button", { name: /^Acknowledge/ }).count()).toBe(0);

    // The daemon's problems are shown at the field they name.
    await page.getByLabel("Value").fill("search");
    await page.getByRole("button", { name: "Create silence" }).click();
    const comment = page.getByLabel("Why");
    await page.locator("#silence-comment-error").getByText("must say why").waitFor();
    expect(await comment.getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Duration", { exact: true }).fill("2");
    await comment.fill("Planned restart of the search index");
    await comment.press("Enter");
    await page.getByRole("status").getByText("Silence of server_id = search created (active).").waitFor();
    const silence = page.locator('[data-testid^="silence-"]', { hasText: "Planned restart of the search index" });
    await silence.getByText("active").waitFor();

    await kill("search");
    const searchAlert = downAlert(page, "search");
    await searchAlert.getByTestId("silenced").waitFor({ timeout: SLOW_MS });
    // Well past group_wait and a few checks: the webhook hears nothing of it, the page still shows it.
    await sleep(3000);
    expect(heardOf("search")).toBe(false);
    expect(await searchAlert.isVisible()).toBe(true);
    await page.getByTestId("alerts-counts").getByText("2 firing, 1 silenced").waitFor();

    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(RESULTS, "dashboard-alerts-1280.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(RESULTS, "dashboard-alerts-1280-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });

    // A rule's threshold, edited.
    await page.getByRole("button", { name: "Edit rule Slow answers" }).click();
    const editor = page.getByRole("form", { name: "Edit rule Slow answers" });
    await editor.getByLabel("Threshold").fill("1500");
    await editor.getByRole("button", { name: "Save rule" }).click();
    await page.locator('[data-testid="rule-slow"]').getByText("response_time_ms > 1500").waitFor();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(RESULTS, "dashboard-alerts-390.png") });
    await page.getByRole("form", { name: "New silence" }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS, "dashboard-alerts-390-silence-form.png") });

    // Expired while the alert still fires: it is notified now, as Alertmanager does.
    await silence.getByRole("button", { name: /^Expire silence/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Expire", exact: true }).click();
    await waitFor(() => heardOf("search"), { timeoutMs: SLOW_MS, message: "the webhook to hear of the search alert once the silence is expired" });
    await searchAlert.getByTestId("silenced").waitFor({ state: "detached", timeout: SLOW_MS });
  }, 150_000);
});
