import fs from "node:fs";
const { runCli } = await import("./dist/bundle/pygent.js");
const d = fs.mkdtempSync("/tmp/memd-");
const show = (l) => { const m = process.memoryUsage(); console.error(l, "rss", m.rss >> 20, "heapTotal", m.heapTotal >> 20, "heapUsed", m.heapUsed >> 20); };
setTimeout(() => { show("8s"); global.gc(); global.gc(); show("after gc"); }, 8000);
setTimeout(() => { show("20s"); process.kill(process.pid, "SIGTERM"); }, 20000);
await runCli(["node", "pygent", "serve", "--port", "0", "--data-dir", d, "--config", d + "/c.json"]);
