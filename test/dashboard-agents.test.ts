/**
 * The Agents, Knowledge and Evolution pages in headless Chromium against a real daemon with the
 * scripted model and a real MCP server: an agent created from a template (a bad field named at
 * the field), a task that calls the server's tools whose steps appear while the run is still going
 * (no reload), its memory with a fact and a recall; a pasted document ingested and a search shown
 * as the BM25, vector and fused rankings; a retrieval evolution run on the labelled corpus whose
 * generations, chart and lineage appear (the run list follows it without a reload), a bad task
 * suite named at the field, and a long run aborted from its page.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./helpers/browser.js";
import { ROOT, startDaemon, type DaemonProcess } from "./helpers/daemon-process.js";
import { fixtureServer } from "./helpers/fixture-servers.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";

const RESULTS = join(ROOT, "test-results");
const CORPUS = fileURLToPath(new URL("./fixtures/rag-corpus/", import.meta.url));
const SLOW_MS = 30_000;
/** The second step's tool call lasts this long: the first step must be on the page meanwhile. */
const SLEEP_MS = 2500;

let dir: string;
let daemon: DaemonProcess | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  dir = makeTempDir("pygent-dashboard-agents-");
  mkdirSync(RESULTS, { recursive: true });
  const config = join(dir, "mcp_server_configs.json");
  const script = [
    { say: "Echoing the task first.", tool_calls: [{ name: "slow__echo", arguments: { text: "{{task}}" } }] },
    { say: "Now the slow part.", tool_calls: [{ name: "slow__sleep", arguments: { ms: SLEEP_MS } }] },
  ];
  writeFileSync(config, JSON.stringify({ servers: [fixtureServer("slow", "slow-server.mjs")], llm: { providers: { script: { type: "scripted", script } } } }));
  daemon = await startDaemon(join(dir, "data"), config);
  for (const file of readdirSync(join(CORPUS, "docs"))) {
    const ingested = await daemon.api("/api/v1/rag/documents", { method: "POST", body: JSON.stringify({ name: file, text: readFileSync(join(CORPUS, "docs", file), "utf8") }) });
    expect(ingested.status).toBe(201);
  }
  browser = await launchBrowser({ width: 1280, height: 800 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  removeTempDir(dir);
});

/** Marks the document, so that a reload (which would lose the mark) is seen. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate("window.notReloaded = true");
}

async function stillSamePage(page: Page): Promise<boolean> {
  return (await page.evaluate("window.notReloaded === true")) as boolean;
}

/** Screenshots at 1280 px (light and dark) and 390 px, where nothing may be wider than the screen. */
async function screenshots(page: Page, name: string): Promise<void> {
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: join(RESULTS, `dashboard-${name}-1280.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: join(RESULTS, `dashboard-${name}-1280-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: join(RESULTS, `dashboard-${name}-390.png`), fullPage: true });
  expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
}

describe("the agents, knowledge and evolution pages", () => {
  it("creates an agent from a template, runs a task whose steps appear as they happen, and browses its memory", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/agents`);
    await page.getByText("No agents yet.").waitFor({ timeout: SLOW_MS });

    // The daemon's refusal is shown at the field it names.
    await page.getByLabel("Name", { exact: true }).fill("scribe");
    await page.getByLabel("Template").selectOption("general");
    await page.getByLabel("Tools, comma-separated").fill("slow__*");
    await page.getByLabel("Step limit").fill("500");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect.poll(() => page.locator("#agent-steps-error").textContent()).toMatch(/100/);
    expect(await page.getByLabel("Step limit").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Step limit").fill("5");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.getByRole("heading", { name: "scribe", level: 2 }).waitFor({ timeout: SLOW_MS });
    expect(new URL(page.url()).pathname).toMatch(/^\/agents\/\S+$/);
    const agentId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
    await expect.poll(() => page.getByTestId("agent-state").getAttribute("data-state")).toBe("idle");
    await page.getByText("No runs yet").waitFor();

    const fact = await daemon!.api(`/api/v1/memory/${agentId}/facts`, { method: "POST", body: JSON.stringify({ content: "The user likes their lists short." }) });
    expect(fact.status).toBe(201);

    await markPage(page);
    await page.getByLabel("Task", { exact: true }).fill("buy milk and eggs");
    await page.getByRole("button", { name: "Run", exact: true }).click();

    // Step 1 (the echo) is shown while step 2's tool still sleeps: it came from /ws, not from the run's end.
    const first = page.getByTestId("step-1");
    await first.getByTestId("tool-call").getByText("slow__echo").waitFor({ timeout: SLOW_MS });
    expect(await page.getByTestId("run-status").getAttribute("data-state")).toBe("running");
    expect(await page.getByTestId("step-2").count()).toBe(0);
    expect(await first.textContent()).toContain('"text": "buy milk and eggs"');
    expect(await first.textContent()).toMatch(/\d+ in \/ \d+ out tokens/);

    const second = page.getByTestId("step-2");
    await second.getByText(`slept ${SLEEP_MS} ms`).first().waitFor({ timeout: SLOW_MS });
    await expect.poll(() => page.getByTestId("run-status").getAttribute("data-state"), { timeout: SLOW_MS }).toBe("completed");
    await page.getByTestId("run-answer").waitFor();
    expect(await stillSamePage(page)).toBe(true);
    await page.getByTestId("past-runs").getByRole("button", { name: "buy milk and eggs" }).waitFor({ timeout: SLOW_MS });

    const memory = page.getByTestId("memory");
    await memory.getByTestId("memory-fact").getByText("The user likes their lists short.").waitFor({ timeout: SLOW_MS });
    await memory.getByRole("tab", { name: /Recent messages/ }).click();
    await memory.getByTestId("memory-message").getByText("buy milk and eggs").first().waitFor({ timeout: SLOW_MS });
    await memory.getByLabel("Recall", { exact: true }).fill("short lists");
    await memory.getByRole("button", { name: "Recall" }).click();
    await memory.getByTestId("recalled").getByText("The user likes their lists short.").waitFor({ timeout: SLOW_MS });
    await screenshots(page, "agent");
    await page.close();
  }, 120_000);

  it("ingests a pasted document, names a missing field, and shows the BM25, vector and fused rankings of a search", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/knowledge`);
    await page.getByTestId("documents").waitFor({ timeout: SLOW_MS });

    await page.getByLabel("Text", { exact: true }).fill("# Quokkaphants\n\nA quokkaphant is a small marsupial elephant that hums when it is happy.");
    await page.getByRole("button", { name: "Ingest" }).click();
    await expect.poll(() => page.locator("#ingest-name-error").textContent()).toBe("must not be empty");

    await page.getByLabel(/^Name/).fill("quokkaphants.md");
    await page.getByRole("button", { name: "Ingest" }).click();
    await page.getByTestId("document-quokkaphants.md").waitFor({ timeout: SLOW_MS });

    await page.getByLabel("Search query").fill("humming quokkaphant");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    for (const mode of ["bm25", "vector", "hybrid"]) {
      await page.getByTestId(`ranking-${mode}`).getByTestId("hit").first().waitFor({ timeout: SLOW_MS });
      expect(await page.getByTestId(`ranking-${mode}`).getByTestId("hit").first().textContent()).toContain("quokkaphants.md");
    }
    // Each list is its own ranking: the n-th BM25 hit is BM25 #n, the n-th vector hit vector #n.
    const bm25 = await page.getByTestId("ranking-bm25").getByTestId("hit").allTextContents();
    bm25.forEach((hit, index) => expect(hit).toContain(`BM25 #${index + 1} `));
    const vector = await page.getByTestId("ranking-vector").getByTestId("hit").allTextContents();
    expect(vector.length).toBeGreaterThan(bm25.length);
    vector.forEach((hit, index) => expect(hit).toContain(`vector #${index + 1} `));
    expect(await page.getByTestId("ranking-hybrid").getByTestId("hit").first().textContent()).toMatch(/BM25 #1 · vector #1 · fused 0\.03\d+/);
    await screenshots(page, "knowledge");
    await page.close();
  }, 60_000);

  it("names a bad task at its field, then evolves the retrieval settings: the run list follows it live, its page shows the generations and the lineage", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/evolution`);
    await page.getByText("No evolution runs yet.").waitFor({ timeout: SLOW_MS });

    const tasks = page.getByLabel("Task suite (JSON)");
    await tasks.fill(JSON.stringify([{ q: "write-ahead log", relevant: ["sqlite-wal"] }, { q: "", relevant: ["postgres-vacuum"] }]));
    await page.getByRole("button", { name: "Start run" }).click();
    await expect.poll(() => page.locator("#evolution-tasks-error").textContent()).toBe("tasks[1].q: must not be empty");
    expect(await tasks.getAttribute("aria-invalid")).toBe("true");

    // A second tab on the run list, open before the run starts: the run and its end arrive there over /ws.
    const list = await browser!.context.newPage();
    await list.goto(`${daemon!.url}/evolution`);
    await list.getByText("No evolution runs yet.").waitFor({ timeout: SLOW_MS });
    await markPage(list);

    await tasks.fill(readFileSync(join(CORPUS, "queries.json"), "utf8"));
    await page.getByLabel("Population").fill("4");
    await page.getByLabel("Generations at most").fill("4");
    await page.getByLabel(/^Stop after/).fill("10");
    await page.getByRole("button", { name: "Start run" }).click();
    await page.getByRole("heading", { name: "retrieval settings", level: 2 }).waitFor({ timeout: SLOW_MS });
    const runId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);

    const row = list.getByTestId(`evolution-run-${runId}`);
    await row.waitFor({ timeout: SLOW_MS });
    await row.locator('[data-state="finished"]').waitFor({ timeout: SLOW_MS });
    expect(await row.textContent()).toMatch(/retrieval.*0\.\d{3}4/);
    expect(await stillSamePage(list)).toBe(true);
    await list.close();

    await expect.poll(() => page.getByTestId("evolution-state").getAttribute("data-state"), { timeout: SLOW_MS }).toBe("finished");
    for (const generation of [0, 1, 2, 3]) await page.getByTestId(`generation-${generation}`).waitFor({ timeout: SLOW_MS });
    await page.locator('[data-testid="chart-fitness"] canvas').waitFor({ timeout: SLOW_MS });

    // The lineage: the seed has no parents; every candidate of the next generation names its parents.
    const lineage = page.getByTestId("lineage");
    expect(await lineage.getByTestId("candidate-g0-0").getByTestId("parents").textContent()).toBe("—");
    const later = lineage.locator('[data-testid^="candidate-g1-"]');
    expect(await later.count()).toBeGreaterThan(0);
    for (const parents of await later.getByTestId("parents").allTextContents()) expect(parents).toMatch(/^g0-\d+(, g0-\d+)*$/);
    expect(await page.getByTestId("task-scores").locator("li").count()).toBeGreaterThan(5);
    await screenshots(page, "evolution-run");
    await page.close();
  }, 120_000);

  it("aborts a long run from its page after asking, keeping the generations it wrote", async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${daemon!.url}/evolution`);
    await page.getByLabel("Task suite (JSON)").waitFor({ timeout: SLOW_MS });
    await page.getByLabel("Task suite (JSON)").fill(readFileSync(join(CORPUS, "queries.json"), "utf8"));
    // Far more work than the test waits for: only Abort ends it.
    await page.getByLabel("Population").fill("40");
    await page.getByLabel("Generations at most").fill("1000");
    await page.getByLabel(/^Budget/).fill("1000000");
    await page.getByLabel(/^Stop after/).fill("1000");
    await page.getByRole("button", { name: "Start run" }).click();
    await page.getByRole("heading", { name: "retrieval settings", level: 2 }).waitFor({ timeout: SLOW_MS });
    const runId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
    expect(await page.getByTestId("evolution-state").getAttribute("data-state")).toBe("running");
    // The run's progress reaches the page over /ws while it runs.
    await page.getByTestId("generation-1").waitFor({ timeout: SLOW_MS });

    await page.getByRole("button", { name: "Abort run" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(/The generations written so far are kept/).waitFor({ timeout: SLOW_MS });
    await dialog.getByRole("button", { name: "Abort" }).click();
    await expect.poll(() => page.getByTestId("evolution-state").getAttribute("data-state"), { timeout: SLOW_MS }).toBe("aborted");
    expect(await page.getByRole("button", { name: "Abort run" }).count()).toBe(0);

    const response = await fetch(`${daemon!.url}/api/v1/evolution/runs/${encodeURIComponent(runId)}`);
    const run = (await response.json()) as { state: string; generations: number; best_score: number | null };
    expect(run.state).toBe("aborted");
    expect(run.generations).toBeGreaterThanOrEqual(2);
    expect(run.generations).toBeLessThan(1000);
    expect(run.best_score).toBeGreaterThan(0.9);
    await page.getByTestId("generation-1").waitFor({ timeout: SLOW_MS });
    await page.close();
  }, 120_000);
});
