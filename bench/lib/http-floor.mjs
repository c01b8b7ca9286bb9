#!/usr/bin/env node
// Helper process: the floor of an MCP gateway on HTTP. A bare node:http relay in front of one stdio
// MCP server, with nothing a gateway adds — no auth, no sessions, no MCP parsing: a POSTed JSON-RPC
// message is written to the server's stdin as it came, and the server's line with the same id is
// the answer (application/json); a message without an id gets 202. GET (an event stream) is 405,
// as a stateless server answers. The SDK's Streamable HTTP client talks to it as to /mcp.
// Usage: node http-floor.mjs <command> [args...]. Prints "listening <port> <server pid>" on stdout.
import { spawn } from "node:child_process";
import http from "node:http";

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["pipe", "pipe", "ignore"] });
child.on("exit", () => process.exit(1));

/** Answers owed, by the id of the request (as its JSON text). */
const owed = new Map();
let buffer = "";
child.stdout.setEncoding("utf8");
child.stdout.on("data", (chunk) => {
  buffer += chunk;
  for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    const { id } = JSON.parse(line);
    const res = owed.get(JSON.stringify(id));
    if (!res) continue;
    owed.delete(JSON.stringify(id));
    res.writeHead(200, { "content-type": "application/json" }).end(line);
  }
});

const server = http.createServer((req, res) => {
  if (req.method !== "POST") {
    res.writeHead(req.method === "DELETE" ? 200 : 405).end();
    return;
  }
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const { id, method } = JSON.parse(body);
    if (id !== undefined && method !== undefined) owed.set(JSON.stringify(id), res);
    else res.writeHead(202).end();
    child.stdin.write(`${body}\n`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port} ${child.pid}\n`));
