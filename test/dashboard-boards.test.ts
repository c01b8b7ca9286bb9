/**
 * The Overview's activity and the custom dashboards in a real browser against a real daemon with
 * real servers: the activity figures follow tool calls and a crash through /ws (no reload), the
 * recent events list what happened; a dashboard is built (its empty name refused at the field by
 * the API; no serious axe violation with every panel's settings open), arranged, saved, found
 * again after a reload with its panels following the servers live, and deleted; a viewer's save
 * is refused with the API's 403 said on the page. Screenshots at 1280×800 (light and dark) and
 * 390 px wide go to test-results/.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { seriousViolations } from "./helpers/axe.js";
import { browserSession, RESULTS } from "./helpers/browser-session.js";
import { runCliCaptured } from "./helpers/cli-in-process.js";
import type { DaemonProcess } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";

const SLOW_MS = 30_000;
const session = browserSession("pygent-boards-");

const ECHO = fixtureServer("echo", "echo-server.mjs", { name: "Echo", health_check_interval: 1 });
const NOTES = fixtureServer("notes", "echo-server.mjs", { name: "Notes", health_check_interval: 1 });

async function waitForRunning(running: DaemonProcess, id: string, headers: Record<string, string> = {}): Promise<number> {
  const deadline = Date.now() + SLOW_MS;
  for (;;) {
    const server = await running.api<{ state: string; pid: number | null }>(`/api/v1/mcp/servers/${id}`, { headers });
    if (server.body.state === "running" && server.body.pid !== null) return server.body.pid;
    if (Date.now() > deadline) throw new Error(`${id} is ${server.body.state}, not running`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function call(running: DaemonProcess, tool: string, args: Record<string, unknown>): Promise<void> {
  const answer = await running.api(`/api/v1/mcp/servers/echo/tools/${tool}/call`, { method: "POST", body: JSON.stringify({ arguments: args }) });
  expect(answer.status).toBe(200);
}

const text = (page: Page, testId: string): Promise<string | null> => page.getByTestId(testId).textContent();

describe("the Overview's activity", () => {
  it("follows tool calls, their errors and a crash live, and lists them as recent events", async () => {
    const daemon = await session.start([ECHO]);
    const firstPid = await waitForRunning(daemon, "echo");
    const page = await (await session.browser({ width: 1280, height: 800 })).context.newPage();
    await page.goto(`${daemon.url}/`);
    await page.getByTestId("activity-calls-per-second").waitFor({ timeout: SLOW_MS });
    expect(await text(page, "activity-calls")).toMatch(/^0 in the last 60 s/);
    expect(await text(page, "activity-error-rate")).toBe("—");
    expect(await text(page, "activity-restarts")).toBe("0");
    await page.getByTestId("recent-empty").waitFor();
    // Anything the page learns from here on comes over /ws: a reload would lose this mark.
    await page.evaluate("window.notReloaded = true");

    for (let i = 0; i < 5; i++) await call(daemon, "echo", { text: `call ${i}` });
    await call(daemon, "add", { a: "one", b: 2 });
    await expect.poll(() => text(page, "activity-calls"), { timeout: SLOW_MS }).toMatch(/^6 in the last 60 s · 6 since start/);
    expect(await text(page, "activity-calls-per-second")).toBe("0.1");
    expect(await text(page, "activity-error-rate")).toBe("16.7 %");
    // The REST snapshot the page paints first says the same.
    const snapshot = await daemon.api<{ tool_calls: Record<string, unknown>; servers: { total: number; running: number } }>("/api/v1/metrics/activity");
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.tool_calls).toEqual({ per_second: 0.1, calls: 6, errors: 1, error_rate: 16.7, total: 6 });
    expect(snapshot.body.servers).toMatchObject({ total: 1, running: 1 });

    // A crash: the supervisor starts the server again, and the page counts the restart and tells it.
    process.kill(firstPid, "SIGKILL");
    await expect.poll(() => text(page, "activity-restarts"), { timeout: SLOW_MS }).toBe("1");
    const recent = page.getByTestId("recent-events");
    await recent.getByText(/echo\s*backoff → starting/).waitFor({ timeout: SLOW_MS });
    await recent.getByText(/echo\s*starting → running/).waitFor({ timeout: SLOW_MS });
    expect(await page.evaluate("window.notReloaded")).toBe(true);

    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(RESULTS, "dashboard-overview-activity-1280.png"), fullPage: true });
  }, 120_000);
});

describe("custom dashboards", () => {
  it("builds a dashboard of panels, saves it, finds it again after a reload with its panels live, and deletes it", async () => {
    const daemon = await session.start([ECHO, NOTES]);
    await waitForRunning(daemon, "echo");
    await waitForRunning(daemon, "notes");
    const page = await (await session.browser({ width: 1280, height: 800 })).context.newPage();
    await page.goto(`${daemon.url}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboards" }).click();
    expect(new URL(page.url()).pathname).toBe("/dashboards");
    await page.getByText("No dashboards saved yet").waitFor({ timeout: SLOW_MS });

    await page.getByRole("button", { name: "New dashboard" }).click();
    const editor = page.getByRole("form", { name: "New dashboard" });
    const kind = editor.getByLabel("New panel");
    for (const each of ["Status grid", "Metric chart", "Alert list"]) {
      await kind.selectOption({ label: each });
      await editor.getByRole("button", { name: "Add panel" }).click();
    }
    const kinds = (): Promise<(string | null)[]> => editor.locator("[data-kind]").evaluateAll((items) => items.map((item) => item.getAttribute("data-kind")));
    expect(await kinds()).toEqual(["status_grid", "metric_chart", "alert_list"]);

    // The name is left empty: the daemon refuses it, and the page says so at the field.
    await editor.getByRole("button", { name: "Save" }).click();
    const name = editor.getByLabel("Name", { exact: true });
    await expect.poll(() => name.getAttribute("aria-invalid"), { timeout: SLOW_MS }).toBe("true");
    expect(await page.locator("#board-name-error").textContent()).toContain("must not be empty");
    // Every panel's settings open, a field's problem shown: nothing serious for axe, light or dark.
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: "light" });

    // The chart shows both servers' latency; the alert list moves above it.
    await editor.getByRole("checkbox", { name: "Notes" }).nth(1).check();
    await editor.getByRole("button", { name: "Move Alerts up" }).click();
    expect(await kinds()).toEqual(["status_grid", "alert_list", "metric_chart"]);
    await name.fill("Operations");
    await editor.getByRole("button", { name: "Save" }).click();
    await page.getByTestId("board-saved").getByText("Saved Operations.").waitFor({ timeout: SLOW_MS });
    const id = new URL(page.url()).pathname.split("/")[2];
    expect(id).toMatch(/./);
    const stored = await daemon.api<{ layouts: { id: string; name: string; panels: { kind: string; server_ids?: string[] }[] }[] }>("/api/v1/dashboards");
    expect(stored.body.layouts.map((layout) => [layout.id, layout.name])).toEqual([[id, "Operations"]]);
    expect(stored.body.layouts[0]!.panels.map((panel) => panel.kind)).toEqual(["status_grid", "alert_list", "metric_chart"]);
    expect(stored.body.layouts[0]!.panels[2]!.server_ids).toEqual(["echo", "notes"]);

    await page.reload();
    const board = page.getByRole("form", { name: "Operations" });
    await board.waitFor({ timeout: SLOW_MS });
    expect(await page.getByRole("list", { name: "Saved dashboards" }).getByRole("link").allTextContents()).toEqual(["Operations"]);
    expect(await board.locator("[data-kind]").evaluateAll((items) => items.map((item) => item.getAttribute("data-kind")))).toEqual([
      "status_grid",
      "alert_list",
      "metric_chart",
    ]);
    await board.locator('[data-testid="cell-notes"] [data-status="healthy"]').waitFor({ timeout: SLOW_MS });
    await board.locator('[data-kind="metric_chart"] canvas').waitFor({ timeout: SLOW_MS });
    await expect.poll(() => board.locator('[data-kind="metric_chart"] .chart-summary').textContent(), { timeout: SLOW_MS }).toMatch(/echo now \d.*notes now \d/);

    // Live: a server stopped elsewhere turns offline on the panel without a reload.
    await page.evaluate("window.notReloaded = true");
    expect((await daemon.api("/api/v1/mcp/servers/notes/stop", { method: "POST" })).status).toBe(200);
    await board.locator('[data-testid="cell-notes"] [data-status="offline"]').waitFor({ timeout: SLOW_MS });
    expect(await page.evaluate("window.notReloaded")).toBe(true);

    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(RESULTS, "dashboard-boards-1280.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(RESULTS, "dashboard-boards-1280-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 390, height: 844 });
    await board.locator('[data-kind="metric_chart"] canvas').waitFor();
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(RESULTS, "dashboard-boards-390.png"), fullPage: true });
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });

    await board.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.getByText("No dashboards saved yet").waitFor({ timeout: SLOW_MS });
    expect(new URL(page.url()).pathname).toBe("/dashboards");
    expect((await daemon.api<{ layouts: unknown[] }>("/api/v1/dashboards")).body.layouts).toEqual([]);
  }, 180_000);

  it("shows a viewer the API's refusal to save", async () => {
    const created = await runCliCaptured(["token", "create", "--role", "viewer", "--name", "viewer", "--data-dir", join(session.dir, "data"), "--quiet"]);
    expect(created.code, created.stderr).toBe(0);
    const viewer = created.stdout.trim();
    const daemon = await session.start([ECHO]);
    const page = await (await session.browser({ width: 1280, height: 800 })).context.newPage();
    await page.goto(`${daemon.url}/dashboards`);
    await page.getByLabel("API token").fill(viewer);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "New dashboard" }).click();
    const editor = page.getByRole("form", { name: "New dashboard" });
    await editor.getByLabel("Name", { exact: true }).fill("Mine");
    await editor.getByRole("button", { name: "Add panel" }).click();
    await editor.getByRole("button", { name: "Save" }).click();
    const refusal = editor.getByRole("alert");
    await refusal.getByText("Saving a dashboard needs an operator token.").waitFor({ timeout: SLOW_MS });
    expect(await refusal.textContent()).toMatch(/operator/);
    const stored = await daemon.api<{ layouts: unknown[] }>("/api/v1/dashboards", { headers: { authorization: `Bearer ${viewer}` } });
    expect(stored.body.layouts).toEqual([]);
  }, 120_000);
});
