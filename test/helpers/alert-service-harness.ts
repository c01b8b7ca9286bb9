// A real alert service for channel tests: its own store in a temporary folder, an in-process
// bus, the real clock (the waits under test are the receiver's) and a debug logger whose lines
// are kept, so a test can check what was logged and that no secret was.
import { Writable } from "node:stream";
import { createAlertService, type AlertService, type AlertServiceOptions } from "../../src/alerts/index.js";
import { InProcessBus } from "../../src/bus/index.js";
import { systemClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/core/logger.js";
import { openStore, type Store } from "../../src/store/index.js";
import { makeTempDir, removeTempDir } from "./processes.js";

export interface AlertServiceHarness {
  /** The data directory (removed on close unless it was given). */
  dir: string;
  bus: InProcessBus;
  store: Store;
  service: AlertService;
  /** Every log line, as written. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts the service with the given config, stopping gracefully within 200 ms on close. Given a
 * data directory (as after a daemon restart), it works on that database and leaves it in place.
 */
export async function startAlertService(
  prefix: string,
  options: Pick<AlertServiceOptions, "config" | "environment" | "queueCapacity">,
  dataDir?: string,
): Promise<AlertServiceHarness> {
  const dir = dataDir ?? makeTempDir(prefix);
  const store = openStore(dir, systemClock);
  const bus = new InProcessBus();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString("utf8"));
      done();
    },
  });
  const service = createAlertService({
    bus,
    store,
    clock: systemClock,
    logger: createLogger({ level: "debug", destination }),
    shutdownGraceMs: 200,
    ...options,
  });
  await service.start();
  return {
    dir,
    bus,
    store,
    service,
    logs,
    async close() {
      await service.stop();
      bus.close();
      store.close();
      if (dataDir === undefined) removeTempDir(dir);
    },
  };
}
