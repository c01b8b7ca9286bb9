import { Client, StreamableHTTPClientTransport, SSEClientTransport } from "@modelcontextprotocol/client";
import { createServer } from "node:https";
import { readFileSync } from "node:fs";
const srv = createServer({ key: readFileSync("/tmp/h2exp/key.pem"), cert: readFileSync("/tmp/h2exp/cert.pem") }, (q, r) => r.end("x"));
await new Promise((r) => srv.listen(0, "127.0.0.1", r));
const port = srv.address().port;
function chain(e) { const out = []; let c = e; for (let i = 0; c && i < 6; i++) { out.push(`${c.constructor?.name}: ${c.message} code=${c.code}`); c = c.cause; } return out; }
for (const url of ["http://127.0.0.1:1/mcp", `https://127.0.0.1:${port}/mcp`, "http://nonexistent.invalid/mcp"]) {
  for (const T of [StreamableHTTPClientTransport, SSEClientTransport]) {
    const client = new Client({ name: "x", version: "1" });
    try { await client.connect(new T(new URL(url)), { timeout: 5000 }); } catch (e) { console.log(T.name, url, chain(e)); }
  }
}
srv.close();
