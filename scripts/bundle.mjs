// Bundles the `pygent` command into dist/bundle/ (run by `npm run build` after tsc): a start then
// loads a handful of files instead of the ~830 modules of the unbundled tree. Code loaded with
// `await import()` (the HTTP API, the daemon, email) becomes its own chunk, loaded when first used.
// better-sqlite3 loads a native addon, so it stays external and is resolved from node_modules.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const EXTERNAL = ["better-sqlite3"];

// Chunk names carry a content hash: a fresh folder, so the chunks of earlier builds do not pile up.
rmSync("dist/bundle", { recursive: true, force: true });
await build({
  entryPoints: { pygent: "src/cli/main.ts" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // V8 keeps each module's source text in the heap. Without comments and indentation it is a
  // third smaller, and ASCII only (one non-ASCII character in a comment stores a whole chunk as
  // two-byte text): 6 MB less resident memory. Names stay, so stack traces and profiles read.
  minifyWhitespace: true,
  // License comments go to <chunk>.LEGAL.txt beside each chunk.
  legalComments: "external",
  external: EXTERNAL,
  // CommonJS packages in an ES module bundle still call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __pygentRequire } from "node:module"; const require = __pygentRequire(import.meta.url);' },
  // Beside the entry, so that paths relative to a module (../../package.json) hold in every chunk.
  chunkNames: "[name]-[hash]",
  logLevel: "warning",
});
