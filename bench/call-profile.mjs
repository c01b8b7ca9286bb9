#!/usr/bin/env node
// Steady tool calls against one `pygent serve`, for finding where a call's CPU goes: server-everything's
// `echo` called over REST (`POST /api/v1/mcp/servers/everything/tools/echo/call`) or over `/mcp` (one
// session, JSON-RPC `tools/call`) by a bare node:http client with kept-alive sockets, so that the
// client costs little beside the daemon. A warm-up, then half the window sequential and half with 16
// in flight; prints one JSON line with the daemon's CPU per call and the rates.
//
//   node bench/call-profile.mjs rest|mcp [seconds, default 8] [--cpu-prof <dir>]
//
// With --cpu-prof the daemon writes a V8 profile into <dir> when it stops; the line names the window
// of steady calls to give `node bench/profile-summary.mjs <file> 40 <from> <to>`.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { barePost } from "./lib/bare-post.mjs";
import { clockTicks, cpuTicks, startDaemon, stopDaemon, waitAllRunning } from "./lib/daemon.mjs";
import { installCleanupHandlers, registerTempDir } from "./lib/proc.mjs";
import { binOf } from "./lib/servers.mjs";

const args = process.argv.slice(2);
const profIndex = args.indexOf("--cpu-prof");
const profDir = profIndex >= 0 ? path.resolve(args[profIndex + 1] ?? "") : undefined;
const [mode = "rest", secondsArg = "8"] = args.filter((_, i) => profIndex < 0 || (i !== profIndex && i !== profIndex + 1));
const seconds = Number(secondsArg);
if (!["rest", "mcp"].includes(mode) || !(seconds > 0) || (profIndex >= 0 && !args[profIndex + 1])) {
  process.stderr.write("usage: node bench/call-profile.mjs rest|mcp [seconds] [--cpu-prof <dir>]\n");
  process.exit(2);
}
const WARMUP_MS = 3000;
const IN_FLIGHT = 16;

installCleanupHandlers();
const dir = registerTempDir(fs.mkdtempSync(path.join(os.tmpdir(), "pygent-call-profile-")));
const servers = [{ id: "everything", command: [process.execPath, binOf("@modelcontextprotocol/server-everything"), "stdio"] }];
const daemon = await startDaemon(dir, { servers }, { nodeFlags: profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [] });
const launchedAt = performance.now();
const ready = await waitAllRunning(daemon, 1, 60_000);
if (ready.ready_ms === null) throw new Error(`the daemon did not get its server running: ${ready.error ?? JSON.stringify(ready.counts)}`);

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
const post = (urlPath, body, headers) => barePost(`${daemon.url}${urlPath}`, agent, body, headers);

/** One call of `echo` with a message of its own; throws unless the answer carries that message. */
let call;
if (mode === "mcp") {
  const version = "2025-06-18";
  const opened = await post("/mcp", { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "call-profile", version: "1" } } });
  const session = { "mcp-session-id": opened.headers["mcp-session-id"], "mcp-protocol-version": version };
  await post("/mcp", { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  call = async (i) => {
    const answer = await post("/mcp", { jsonrpc: "2.0", id: i + 1, method: "tools/call", params: { name: "everything__echo", arguments: { message: `m${i}` } } }, session);
    if (!answer.text.includes(`m${i}`)) throw new Error(`call ${i}: ${answer.status} ${answer.text.slice(0, 200)}`);
  };
} else {
  call = async (i) => {
    const answer = await post("/api/v1/mcp/servers/everything/tools/echo/call", { arguments: { message: `m${i}` } });
    if (!answer.text.includes(`m${i}`)) throw new Error(`call ${i}: ${answer.status} ${answer.text.slice(0, 200)}`);
  };
}

let next = 0;
/** Calls with `callers` in flight for `ms`; resolves with how many were answered. */
async function callFor(ms, callers) {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await call(next++);
        done++;
      }
    }),
  );
  return done;
}

await callFor(WARMUP_MS, 4);
const hz = clockTicks();
const cpuBefore = cpuTicks(daemon.pid);
const from = performance.now();
const sequential = await callFor((seconds * 1000) / 2, 1);
const inFlight = await callFor((seconds * 1000) / 2, IN_FLIGHT);
const to = performance.now();
const cpuMs = ((cpuTicks(daemon.pid) - cpuBefore) * 1000) / hz;
agent.destroy();
await stopDaemon(daemon);
const round = (x) => Math.round(x * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({
    bench: "call-profile",
    mode,
    seconds,
    sequential_calls_per_s: round(sequential / (seconds / 2)),
    in_flight_calls_per_s: round(inFlight / (seconds / 2)),
    daemon_cpu_ms_per_call: round(cpuMs / (sequential + inFlight)),
    load_average_1m: round(os.loadavg()[0]),
    // The daemon's profile starts at its launch (give or take its own start-up).
    ...(profDir ? { profile_dir: profDir, profile_window_s: [round((from - launchedAt) / 1000), round((to - launchedAt) / 1000)] } : {}),
  })}\n`,
);
