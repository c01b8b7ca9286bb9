/**
 * A browser test's daemon and Chromium, one of each per test: a fresh temp folder before it, and
 * after it the browser closed, the daemon stopped and the folder removed, whatever the test did.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { launchBrowser, type Browser } from "./browser.js";
import { ROOT, startDaemon, type DaemonProcess } from "./daemon-process.js";
import { makeTempDir, removeTempDir } from "./processes.js";

/** Where browser tests save their screenshots. */
export const RESULTS = join(ROOT, "test-results");

export interface BrowserSession {
  /** This test's temp folder; the daemon's data is in `data/` under it. */
  readonly dir: string;
  /** Starts the daemon with these servers in its config file (and `pygent serve` arguments, e.g. a port). */
  start(servers: Record<string, unknown>[], extraArgs?: string[]): Promise<DaemonProcess>;
  browser(viewport: { width: number; height: number }): Promise<Browser>;
}

/** Registers the per-test set-up and clean-up in the calling test file. */
export function browserSession(prefix: string): BrowserSession {
  let dir = "";
  let daemon: DaemonProcess | undefined;
  let browser: Browser | undefined;
  beforeEach(() => {
    dir = makeTempDir(prefix);
    mkdirSync(RESULTS, { recursive: true });
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    await daemon?.stop();
    daemon = undefined;
    removeTempDir(dir);
  });
  return {
    get dir() {
      return dir;
    },
    async start(servers, extraArgs = []) {
      const config = join(dir, "mcp_server_configs.json");
      writeFileSync(config, JSON.stringify({ servers }));
      daemon = await startDaemon(join(dir, "data"), config, extraArgs);
      return daemon;
    },
    async browser(viewport) {
      browser = await launchBrowser(viewport);
      return browser;
    },
  };
}
