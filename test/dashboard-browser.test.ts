/**
 * The dashboard in a real browser against a real daemon: servers appear and turn healthy, a
 * server killed with SIGKILL goes offline and comes back on the page without a reload, Stop
 * (confirmed) stops one, and a dropped connection is shown and comes back by itself. Screenshots at 1280×800 and 390 px
 * wide go to test-results/ for people to look at.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { packageBin } from "../src/config/package-bin.js";
import { browserSession, RESULTS } from "./helpers/browser-session.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";

/** The dashboard's initial JavaScript, gzipped, must stay under this. */
const INITIAL_JS_BUDGET_BYTES = 250 * 1024;
const SLOW_MS = 30_000;

const session = browserSession("pygent-dashboard-");

// A second of backoff, so that the page has time to show the server down.
const ECHO = fixtureServer("echo", "echo-server.mjs", { name: "Echo", health_check_interval: 2, restart_backoff_initial: 1, restart_backoff_max: 2 });
const EVERYTHING = {
  id: "everything",
  name: "Everything",
  command: [process.execPath, packageBin("@modelcontextprotocol/server-everything"), "stdio"],
  health_check_interval: 2,
  shutdown_timeout: 2,
};

function badge(page: Page, id: string) {
  return page.locator(`[data-testid="server-${id}"] [data-testid="status"]`);
}

async function waitForStatus(page: Page, id: string, status: string): Promise<void> {
  await page.locator(`[data-testid="server-${id}"] [data-testid="status"][data-status="${status}"]`).waitFor({ timeout: SLOW_MS });
}

describe("the dashboard", () => {
  it("shows servers turning healthy, a killed one going offline and back live, Stop stopping one, and a reconnect", async () => {
    let daemon = await session.start([ECHO, EVERYTHING]);
    const browser = await session.browser({ width: 1280, height: 800 });
    const page = await browser.context.newPage();
    const scripts: Buffer[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "script") void response.body().then((body) => scripts.push(body));
    });

    await page.goto(daemon.url);
    await page.getByTestId("overall-status").waitFor({ timeout: SLOW_MS });
    await page.getByRole("link", { name: "Servers", exact: true }).click();
    await waitForStatus(page, "echo", "healthy");
    await waitForStatus(page, "everything", "healthy");
    await page.getByTestId("connection").getByText("Live").waitFor();
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByTestId("component-database").waitFor();
    await page.screenshot({ path: join(RESULTS, "dashboard-overview-1280.png"), fullPage: true });
    await page.getByRole("link", { name: "Servers", exact: true }).click();
    await page.screenshot({ path: join(RESULTS, "dashboard-servers-1280.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(RESULTS, "dashboard-servers-1280-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });

    const gzipped = scripts.reduce((sum, body) => sum + gzipSync(body).length, 0);
    expect(scripts.length).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(INITIAL_JS_BUDGET_BYTES);

    // Every status the echo server's badge shows from now on, and a mark that a reload would wipe.
    // (Run in the page, as text: the tests compile without the DOM's types.)
    await page.evaluate(`{
      const seen = [];
      window.seenStatuses = seen;
      new MutationObserver(() => {
        const status = document.querySelector('[data-testid="server-echo"] [data-testid="status"]')?.getAttribute("data-status");
        if (status && seen.at(-1) !== status) seen.push(status);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    }`);
    const echo = await daemon.api<{ pid: number; restarts: number }>("/api/v1/mcp/servers/echo");
    process.kill(echo.body.pid, "SIGKILL");
    await waitForStatus(page, "echo", "offline");
    await waitForStatus(page, "echo", "healthy");
    const seen = (await page.evaluate("window.seenStatuses")) as string[] | undefined;
    expect(seen).toContain("offline");
    expect(seen?.at(-1)).toBe("healthy");
    await expect.poll(() => page.locator('[data-testid="server-echo"] td[data-label="Restarts"]').textContent()).toBe("1");

    await page.getByRole("button", { name: "Stop Everything" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Stop Everything?").waitFor();
    await dialog.getByRole("button", { name: "Stop", exact: true }).click();
    await page.locator('[data-testid="server-everything"] [data-testid="state"]', { hasText: "stopped" }).waitFor({ timeout: SLOW_MS });
    expect(await badge(page, "everything").getAttribute("data-status")).toBe("offline");
    expect(await page.getByRole("button", { name: "Start Everything" }).isVisible()).toBe(true);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(RESULTS, "dashboard-servers-390.png"), fullPage: true });
    await page.getByRole("link", { name: "Overview" }).click();
    await page.screenshot({ path: join(RESULTS, "dashboard-overview-390.png"), fullPage: true });

    await daemon.stop();
    await page.getByTestId("connection").getByText(/Disconnected, retrying/).waitFor({ timeout: SLOW_MS });
    // The same daemon back on the same port: the page reconnects by itself and reloads what it missed.
    const port = new URL(daemon.url).port;
    daemon = await session.start([ECHO, EVERYTHING], ["--port", port]);
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: SLOW_MS });
    await page.getByRole("link", { name: "Servers", exact: true }).click();
    await waitForStatus(page, "echo", "healthy");
  }, 120_000);

  it("asks for a token when auth is on, keeps it for the tab (never in the URL) and goes live with it; a viewer cannot press Stop", async () => {
    const created = await runCliCaptured(["token", "create", "--role", "operator", "--name", "dashboard", "--data-dir", join(session.dir, "data"), "--quiet"]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    const daemon = await session.start([ECHO]);
    const browser = await session.browser({ width: 1280, height: 800 });
    const page = await browser.context.newPage();

    await page.goto(`${daemon.url}/servers`);
    const field = page.getByLabel("API token");
    await field.fill("pgf_not-a-real-token");
    await field.press("Enter");
    await page.getByRole("alert").getByText("did not accept this token").waitFor({ timeout: SLOW_MS });
    await page.screenshot({ path: join(RESULTS, "dashboard-sign-in-1280.png") });

    await field.fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForStatus(page, "echo", "healthy");
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: SLOW_MS });
    expect(page.url()).toBe(`${daemon.url}/servers`);

    await page.reload();
    await waitForStatus(page, "echo", "healthy");
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: SLOW_MS });
    expect(await page.getByLabel("API token").count()).toBe(0);

    expect(await page.getByTestId("signed-in").textContent()).toBe("dashboard · operator");
    expect(await page.getByRole("button", { name: "Stop Echo" }).isEnabled()).toBe(true);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    expect(await page.evaluate("sessionStorage.length")).toBe(0);

    // A viewer sees everything and changes nothing: Stop is disabled, Add a server is not offered, and the page says why.
    const viewer = await runCliCaptured(["token", "create", "--role", "viewer", "--name", "wallboard", "--data-dir", join(session.dir, "data"), "--quiet"]);
    expect(viewer.code, viewer.stderr).toBe(0);
    await page.getByLabel("API token").fill(viewer.stdout.trim());
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitForStatus(page, "echo", "healthy");
    expect(await page.getByTestId("signed-in").textContent()).toBe("wallboard · viewer");
    expect(await page.getByRole("button", { name: "Stop Echo" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Add a server" }).count()).toBe(0);
    expect(await page.getByTestId("read-only").textContent()).toContain("needs an operator token");
  }, 120_000);
});
