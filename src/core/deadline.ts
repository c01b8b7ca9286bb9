/**
 * Deadlines for outgoing requests, and waits a stop can cut short. A plain timer rather than
 * `AbortSignal.timeout`: combined through `AbortSignal.any`, Node 20 can garbage-collect the
 * timeout signal under allocation pressure, and the deadline then never fires (a webhook with a
 * 10 s timeout waited 60 s). The timer's closure holds the controller strongly until it fires or
 * is disposed.
 */

export interface Deadline {
  /** Aborts with a `TimeoutError` after the time given, or with the reason of any parent signal. */
  readonly signal: AbortSignal;
  /** Clears the timer and detaches from the parents; call it once the guarded work is over. */
  dispose(): void;
}

export function withDeadline(timeoutMs: number, ...parents: (AbortSignal | undefined)[]): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
  const attached: AbortSignal[] = [];
  const onParentAbort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener("abort", onParentAbort, { once: true });
    attached.push(parent);
  }
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      for (const parent of attached) parent.removeEventListener("abort", onParentAbort);
    },
  };
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts; `work` is not stopped. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
