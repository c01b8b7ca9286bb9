/**
 * The activity figures on the bus (`metrics_activity`), every ACTIVITY_INTERVAL_MS, but only while
 * someone follows them: whoever knows that (the /ws hub, through the app) says so with `demand`,
 * and an idle daemon runs no timer for figures no one reads.
 */
import type { ActivityFigures } from "../bus/events.js";
import type { MessageBus } from "../bus/bus.js";
import type { Clock, TimerHandle } from "../core/clock.js";

/** How often the figures go out while they are followed. */
export const ACTIVITY_INTERVAL_MS = 2000;

export interface ActivityFeed {
  /** Someone follows the figures (true: publish now and every interval) or no one does any more. */
  demand(wanted: boolean): void;
  stop(): void;
}

export interface ActivityFeedDeps {
  bus: MessageBus;
  clock: Clock;
  figures: () => ActivityFigures;
  intervalMs?: number | undefined;
}

export function createActivityFeed(deps: ActivityFeedDeps): ActivityFeed {
  const intervalMs = deps.intervalMs ?? ACTIVITY_INTERVAL_MS;
  let timer: TimerHandle | undefined;
  let stopped = false;

  const publish = (): void => {
    deps.bus.publish({ type: "metrics_activity", ...deps.figures() });
    timer = deps.clock.setTimeout(publish, intervalMs);
  };
  const halt = (): void => {
    deps.clock.clearTimeout(timer);
    timer = undefined;
  };

  return {
    demand(wanted) {
      if (!wanted) halt();
      else if (timer === undefined && !stopped) publish();
    },
    stop() {
      stopped = true;
      halt();
    },
  };
}
