#!/usr/bin/env node
// Where a `--cpu-prof` profile's time went: self time by where the code lives (a package under
// node_modules, Node's own internals, PyGent's sources, garbage collection, idle) and the
// functions that cost most. Frames in the bundle (dist/bundle) are traced back to their source file
// through the bundle's source maps. `node bench/profile-summary.mjs <file.cpuprofile> [top N] [from s]
// [to s]`: with a window, only the samples taken from..to seconds after the profile's start (a negative
// figure counts back from its end), e.g. the steady calls between a start and a shutdown. The gateway
// bench writes such profiles of its daemons with BENCH_GATEWAY_CPU_PROF=<folder>.
import fs from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node bench/profile-summary.mjs <file.cpuprofile> [top N] [from s] [to s]\n");
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const top = Number(topArg ?? 25);

// The window in ms since the profile's start; a negative bound counts back from its end.
const lengthMs = (profile.endTime - profile.startTime) / 1000;
const bound = (arg, fallback) => (arg === undefined ? fallback : Number(arg) < 0 ? lengthMs + Number(arg) * 1000 : Number(arg) * 1000);
const [fromMs, toMs] = [bound(fromArg, 0), bound(toArg, lengthMs)];

// Self time per node: the sampling interval of every sample in the window that landed on it.
const self = new Map();
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] / 1000;
  if (at < fromMs || at > toMs) continue;
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
}

const maps = new Map();
/** The source map beside a bundled file, or null. */
function sourceMapOf(url) {
  if (!maps.has(url)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${fileURLToPath(url)}.map`, "utf8")));
    } catch {
      // Not a file with a map beside it.
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

/** The source file and line a frame's code comes from (through the bundle's map where there is one). */
function sourceOf({ url, lineNumber, columnNumber }) {
  const map = url.startsWith("file:") ? sourceMapOf(url) : null;
  const entry = map?.findEntry(lineNumber, columnNumber);
  return entry?.originalSource ? { file: entry.originalSource, line: entry.originalLine + 1 } : { file: url, line: lineNumber + 1 };
}

/** Where a frame's code lives, in a few words. */
function placeOf(frame) {
  const { functionName, url } = frame;
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(idle)" || functionName === "(program)" || functionName === "(root)") return functionName;
  if (!url) return "native / V8";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const { file } = sourceOf(frame);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1];
  const own = /\/src\/(.+)$/.exec(file);
  return own ? `pygent src/${own[1].split("/")[0]}` : file;
}

/** A function, named with its place and its source file's tail and line. */
function functionOf(frame) {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return `${name}  ${placeOf(frame)}`;
  const { file, line } = sourceOf(frame);
  return `${name}  ${placeOf(frame)}  ${file.split("/").slice(-2).join("/")}:${line}`;
}

const byPlace = new Map();
const byFunction = new Map();
// Inclusive time: a node's self time counts for every distinct function on its stack.
const inclusive = new Map();
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
let total = 0;
const walk = (node, stack) => {
  const key = functionOf(node.callFrame);
  const onStack = stack.includes(key) ? stack : [...stack, key];
  const ms = self.get(node.id) ?? 0;
  if (ms > 0) {
    const place = placeOf(node.callFrame);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    if (place !== "(idle)") for (const k of onStack) inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    total += ms;
  }
  for (const child of node.children ?? []) walk(nodes.get(child), onStack);
};
walk(profile.nodes[0], []);
const busy = total - (byPlace.get("(idle)") ?? 0);
const rows = (map) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => `${ms.toFixed(0).padStart(8)} ms ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${name}`)
    .join("\n");
process.stdout.write(
  `${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (percentages of busy)\n\nby place:\n${rows(byPlace)}\n\n` +
    `by function (self time):\n${rows(byFunction)}\n\nby function (with what it calls):\n${rows(inclusive)}\n`,
);
