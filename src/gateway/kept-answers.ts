/**
 * Answers the gateway gives again and again unchanged — a tools/list answer stays the same object
 * until what it lists changes — with their JSON text made once, at the first answer that needs
 * it. The transport that writes an answer asks for its text here before serializing it itself.
 */
const kept = new WeakMap<object, string | null>();

/** Marks an answer that is never changed once made: its JSON text may be kept with it. */
export function keepAnswer<T extends object>(answer: T): T {
  kept.set(answer, null);
  return answer;
}

/** The JSON text of a kept answer (made at the first ask), or undefined for any other value. */
export function keptAnswerJson(answer: unknown): string | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const text = kept.get(answer);
  if (text === undefined) return undefined;
  if (text !== null) return text;
  const made = JSON.stringify(answer);
  kept.set(answer, made);
  return made;
}
