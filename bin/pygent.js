#!/usr/bin/env -S node --max-semi-space-size=2
// A young generation of 2 MB semi-spaces keeps the idle daemon about 10 MB smaller than V8's default
// 16 MB. At 1 MB, scavenges took a fifth of the daemon's CPU under a stream of tool calls (about
// 0.05 ms a call); at 2 MB the idle daemon grows 4 MB and a call costs about a tenth less.
// The `pygent` command: runs the bundled CLI (dist/bundle/pygent.js, built from src/ by `npm run build`).
import { existsSync } from "node:fs";

const main = new URL("../dist/bundle/pygent.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("error: pygent is not built (dist/bundle/pygent.js is missing): run npm install (or npm run build) first\n");
  process.exit(1);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv);
