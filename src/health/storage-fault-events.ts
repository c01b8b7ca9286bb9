/**
 * The database component's faults on the bus: when the store starts refusing writes for want of
 * space, and when a write goes through again, a `storage_fault` event says so (alerts raise and
 * resolve the storage-full alert from it). The component's status itself is read from the store
 * at each health report (system-health.ts).
 */
import type { MessageBus, Unsubscribe } from "../bus/bus.js";
import type { Clock } from "../core/clock.js";
import type { Store } from "../store/store.js";

export function publishStorageFaults(store: Pick<Store, "onStorageFault">, bus: MessageBus, clock: Clock): Unsubscribe {
  return store.onStorageFault((fault) => {
    bus.publish(
      fault
        ? { type: "storage_fault", state: "full", reason: fault.reason, path: fault.path, at: clock.now() }
        : { type: "storage_fault", state: "recovered", reason: null, path: null, at: clock.now() },
    );
  });
}
