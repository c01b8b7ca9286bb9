// Bundles the `pygent` command into dist/bundle/ (run by `npm run build` after tsc): a start then
// loads a handful of files instead of the ~830 modules of the unbundled tree. Code loaded with
// `await import()` (the HTTP API, the daemon, email) becomes its own chunk, loaded when first used.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { build } from "esbuild";

// `node scripts/bundle.mjs [outdir]`: dist/bundle unless told otherwise.
const OUTDIR = process.argv[2] ?? "dist/bundle";

// better-sqlite3 loads a native addon. Fastify's default compilers (Ajv, fast-json-stringify) and
// its inject() helper are required only when used, and the daemon uses none of them (its routes
// validate with zod: src/api/validation.ts), so they stay out of the chunks a start parses; were
// one ever required, Node would load it from node_modules.
const EXTERNAL = ["better-sqlite3", "@fastify/ajv-compiler", "@fastify/fast-json-stringify-compiler", "light-my-request"];

// zod re-exports each of its 40-odd locales as `z.locales` (300 KB a start would parse and keep).
// Messages here are English, which zod sets up from its own en.js, so the list of locales is
// read as English alone.
const englishZodLocales = {
  name: "english-zod-locales",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, async (args) => {
      if (!/[\\/]zod[\\/]v4[\\/]/.test(args.importer)) return undefined;
      const resolved = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir });
      return { path: resolved.path, namespace: "zod-locales" };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
    }));
  },
};

// Chunk names carry a content hash. A daemon started before this build reads some chunks only on
// their first use (the gateway's MCP server, the docs page), so the files of the build before stay
// beside this one's and a rebuild or an `npm install` under a running daemon leaves it whole; the
// files of older builds go. BUILD_FILES lists what a build wrote.
const BUILD_FILES = join(OUTDIR, ".build-files.json");
const previous = existsSync(BUILD_FILES) ? JSON.parse(readFileSync(BUILD_FILES, "utf8")) : [];
mkdirSync(OUTDIR, { recursive: true });
const result = await build({
  entryPoints: { pygent: "src/cli/main.ts" },
  outdir: OUTDIR,
  metafile: true,
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
  plugins: [englishZodLocales],
  // CommonJS packages in an ES module bundle still call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __pygentRequire } from "node:module"; const require = __pygentRequire(import.meta.url);' },
  // Beside the entry, so that paths relative to a module (../../package.json) hold in every chunk.
  chunkNames: "[name]-[hash]",
  logLevel: "warning",
});

// The outputs list each chunk's source map and license notes too.
const written = Object.keys(result.metafile.outputs).map((output) => basename(output));
const kept = new Set([...written, ...previous, basename(BUILD_FILES)]);
for (const file of readdirSync(OUTDIR)) if (!kept.has(file)) rmSync(join(OUTDIR, file), { force: true });
writeFileSync(BUILD_FILES, JSON.stringify(written));
