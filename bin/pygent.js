#!/usr/bin/env node
// The `pygent` command: runs the compiled CLI (dist/cli/main.js, built from src/ by `npm run build`).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("error: pygent is not built (dist/cli/main.js is missing): run npm install (or npm run build) first\n");
  process.exit(1);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv);
