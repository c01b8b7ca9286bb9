#!/usr/bin/env node
// Helper process: the floor of a big answer. A bare node:http server that answers every POST with
// one file's bytes, read once at start, as application/json — what fetching and parsing an answer
// of that size costs on this machine with nothing computing it.
// Usage: node static-answer.mjs <file>. Prints "listening <port>" on stdout.
import fs from "node:fs";
import http from "node:http";

const body = fs.readFileSync(process.argv[2]);
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body));
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
