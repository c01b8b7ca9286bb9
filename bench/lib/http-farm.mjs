#!/usr/bin/env node
// Helper process: N small Streamable HTTP MCP servers on one loopback port, one per path
// /mcp/0 ... /mcp/<N-1>, each a `createMcpHandler` of @modelcontextprotocol/server 2.x (stateless:
// a fresh McpServer per request, GET/DELETE answered 405 for 2025-era clients).
// Usage: node http-farm.mjs <count> [port]   (port 0 = any). Prints "listening <port>" on stdout.
import http from "node:http";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";

const COUNT = Math.max(1, Number.parseInt(process.argv[2] ?? "1000", 10) || 1000);
const PORT = Number.parseInt(process.argv[3] ?? "0", 10) || 0;

const handlers = new Map();
let requests = 0;
let errors = 0;

function handlerFor(index) {
  let handler = handlers.get(index);
  if (!handler) {
    handler = createMcpHandler(
      () => {
        const server = new McpServer({ name: `bench-http-${index}`, version: "1.0.0" });
        server.registerTool(
          "echo",
          { description: "Echoes back the given text.", inputSchema: z.object({ text: z.string() }) },
          async ({ text }) => ({ content: [{ type: "text", text }] }),
        );
        return server;
      },
      { legacy: "stateless", onerror: () => errors++ },
    );
    handlers.set(index, handler);
  }
  return handler;
}

function webHeaders(req) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

const server = http.createServer(async (req, res) => {
  requests++;
  const match = /^\/mcp\/(\d+)(?:\?.*)?$/.exec(req.url ?? "");
  const index = match ? Number(match[1]) : -1;
  if (index < 0 || index >= COUNT) {
    res.writeHead(404).end();
    return;
  }
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const hasBody = req.method !== "GET" && req.method !== "HEAD" && chunks.length > 0;
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: webHeaders(req),
      body: hasBody ? Buffer.concat(chunks) : undefined,
      signal: abort.signal,
    });
    const response = await handlerFor(index).fetch(request);
    const headers = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    res.writeHead(response.status, headers);
    if (response.body) {
      const reader = response.body.getReader();
      abort.signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    }
    res.end();
  } catch {
    errors++;
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(PORT, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// The parent asks for counters over IPC (when forked) or on SIGUSR2 (stderr).
process.on("message", (msg) => {
  if (msg === "stats") process.send?.({ requests, errors });
});
process.on("SIGUSR2", () => process.stderr.write(`requests ${requests} errors ${errors}\n`));
process.on("disconnect", () => process.exit(0));
