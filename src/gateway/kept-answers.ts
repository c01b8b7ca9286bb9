/**
 * Answers the gateway gives again and again unchanged — a tools/list answer stays the same object
 * until what it lists changes — with their JSON text made once, as UTF-8 bytes, at the first answer
 * that needs it: a list of 1,000 tools is half a megabyte, and measuring and encoding that text
 * again for each answer cost more than the rest of the answer. The transport that writes an answer
 * asks for its bytes here before serializing it itself.
 */
const kept = new WeakMap<object, Buffer | null>();

/** Marks an answer that is never changed once made: its JSON text may be kept with it. */
export function keepAnswer<T extends object>(answer: T): T {
  kept.set(answer, null);
  return answer;
}

/** The JSON text of a kept answer in UTF-8 (made at the first ask), or undefined for any other value. */
export function keptAnswerBytes(answer: unknown): Buffer | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const text = kept.get(answer);
  if (text === undefined) return undefined;
  if (text !== null) return text;
  const made = Buffer.from(JSON.stringify(answer), "utf8");
  kept.set(answer, made);
  return made;
}
