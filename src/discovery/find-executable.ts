/**
 * Whether a command is on a PATH, looked up the way spawn() will look it up, so an installer can
 * say which runtime is missing before it changes anything.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** The full path of `command` on `environment.PATH`, or undefined when it is not there. */
export function findExecutable(command: string, environment: NodeJS.ProcessEnv): string | undefined {
  if (isAbsolute(command)) return isExecutable(command) ? command : undefined;
  for (const dir of (environment.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
