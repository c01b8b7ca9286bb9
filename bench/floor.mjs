// Floor: the bare SDK client starting the four servers in parallel, no manager in between.
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { officialServers } from "./lib/servers.mjs";
import { cmdline, descendants, trySignal } from "./lib/proc.mjs";

/** One round: ms from launch until all four answered `initialize`. */
export async function floorOnce(dir) {
  const specs = officialServers(dir);
  const clients = [];
  const t0 = performance.now();
  try {
    await Promise.all(
      specs.map(async (s) => {
        const transport = new StdioClientTransport({ command: s.command, args: s.args, env: s.env, stderr: "ignore" });
        const client = new Client({ name: "pygent-bench-floor", version: "0.0.0" }, { capabilities: {} });
        clients.push(client);
        await client.connect(transport);
      }),
    );
    return performance.now() - t0;
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    // The SDK signals only its direct child; make sure nothing of this round survives.
    for (const d of descendants(process.pid)) {
      if (cmdline(d.pid).includes("@modelcontextprotocol/server-")) trySignal(d.pid, "SIGKILL");
    }
  }
}
