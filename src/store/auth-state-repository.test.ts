/**
 * The auth switch as the daemon reads it on every request: kept between reads, yet a change made
 * through another connection to the same database file (the CLI turning auth on or off while the
 * daemon runs) is seen at the first read once the recheck interval has passed, and one made through
 * the repository itself at the next read.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { makeTempDir, removeTempDir } from "../../test/helpers/processes.js";
import { AUTH_SWITCH_RECHECK_MS } from "./auth-state-repository.js";
import { openStore, type Store } from "./index.js";

let dir: string;
let daemon: Store;
let cli: Store;
let clock: ManualClock;

beforeEach(() => {
  dir = makeTempDir("pygent-auth-state-");
  clock = new ManualClock();
  daemon = openStore(dir, clock);
  cli = openStore(dir, clock);
});

afterEach(() => {
  daemon.close();
  cli.close();
  removeTempDir(dir);
});

it("sees the switch turned by another connection once the recheck interval has passed", async () => {
  expect((await daemon.authState.get()).enabled).toBe(false);
  expect((await daemon.authState.get()).enabled).toBe(false);
  await cli.authState.setEnabled(true, 1_000, "local");
  expect((await daemon.authState.get()).enabled).toBe(false);
  clock.advance(AUTH_SWITCH_RECHECK_MS);
  const on = await daemon.authState.get();
  expect(on).toMatchObject({ enabled: true, changed_at: 1_000, changed_by: "local" });
  await cli.authState.setEnabled(false, 2_000, "local");
  clock.advance(AUTH_SWITCH_RECHECK_MS);
  expect((await daemon.authState.get()).enabled).toBe(false);
});

it("sees its own writes at the next read", async () => {
  await daemon.authState.get();
  await daemon.authState.setEnabled(true, 1_000, "daemon");
  expect((await daemon.authState.get()).enabled).toBe(true);
  await daemon.authState.recordDaemon({ host: "127.0.0.1", port: 7777, pid: 4242, requires_auth: false, since: 5 });
  expect((await daemon.authState.get()).daemon).toMatchObject({ port: 7777, pid: 4242 });
  await daemon.authState.clearDaemon(4242);
  expect((await daemon.authState.get()).daemon).toBeNull();
});
