#!/usr/bin/env -S node --max-semi-space-size=1
// A 1 MB young generation keeps the idle daemon about 15 MB smaller; it is I/O-bound, so the extra
// scavenges cost little.
// The `pygent` command: runs the bundled CLI (dist/bundle/pygent.js, built from src/ by `npm run build`).
import { existsSync } from "node:fs";

const main = new URL("../dist/bundle/pygent.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("error: pygent is not built (dist/bundle/pygent.js is missing): run npm install (or npm run build) first\n");
  process.exit(1);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv);
