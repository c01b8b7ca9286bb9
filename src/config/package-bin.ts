/** Finds the executable script an installed npm package declares in its package.json `bin`. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The absolute path of the package's bin script (the named one, or the only one). */
export function packageBin(packageName: string, binName?: string, from?: string): string {
  const manifestPath = from
    ? createRequire(join(from, "noop.js")).resolve(`${packageName}/package.json`)
    : require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { name: string; bin?: string | Record<string, string> };
  const bin = manifest.bin;
  let relative: string | undefined;
  if (typeof bin === "string") relative = bin;
  else if (bin) relative = binName ? bin[binName] : Object.values(bin)[0];
  if (!relative) throw new Error(`${packageName} declares no executable (bin) in its package.json`);
  return join(dirname(manifestPath), relative);
}
