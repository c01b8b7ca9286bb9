/**
 * How deep a tool result from a server may nest. Results are JSON from a process we do not
 * control; one nested 100,000 levels deep parses (JSON.parse does not recurse) but overflows the
 * stack of everything that walks it afterwards — the HTTP serialiser answered 500 and the call
 * counted as a success. Real results nest a few dozen levels at most.
 */
export const MAX_RESULT_DEPTH = 200;

/** True when arrays and objects inside `value` nest more than `max` levels. Iterative, so the check cannot overflow itself. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
