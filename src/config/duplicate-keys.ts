/**
 * Duplicate keys in a JSON document. JSON.parse keeps the last of two same-named keys without a
 * word, so a config file with `"command"` twice in one server runs a command its author may not
 * have meant. Runs over text JSON.parse has already accepted, so it only has to find keys, not
 * judge syntax; iterative, so a deeply nested file cannot overflow the stack.
 */

export interface DuplicateKey {
  /** Where the object is, as in validation messages: `servers[2].env`; empty for the top level. */
  path: string;
  key: string;
}

interface Frame {
  kind: "object" | "array";
  path: string;
  keys: Set<string>;
  /** The key whose value comes next (objects) or the next index (arrays). */
  key: string | undefined;
  index: number;
}

function childPath(frame: Frame | undefined): string {
  if (!frame) return "";
  if (frame.kind === "array") return `${frame.path}[${frame.index}]`;
  const key = frame.key ?? "";
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return frame.path ? `${frame.path}.${name}` : name;
}

/** Every key that appears more than once in the same object, in document order. */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    const top = stack.at(-1);
    if (char === '"') {
      const end = stringEnd(text, i);
      if (top?.kind === "object" && top.key === undefined) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) found.push({ path: top.path, key });
        top.keys.add(key);
        top.key = key;
      }
      i = end;
      continue;
    }
    if (char === "{" || char === "[") {
      stack.push({ kind: char === "{" ? "object" : "array", path: childPath(top), keys: new Set(), key: undefined, index: 0 });
    } else if (char === "}" || char === "]") {
      stack.pop();
    } else if (char === "," && top) {
      if (top.kind === "object") top.key = undefined;
      else top.index += 1;
    }
    i += 1;
  }
  return found;
}

/** The index just past the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}
